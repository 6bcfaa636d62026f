import { z } from 'zod';
import { type EventName, eventDefinition } from '../../core/events.js';
import { type EventPayload, errorText, logsUrl, type StoredEvent } from '../../core/payload.js';
import { eventDedupKey, incidentDedupKey, isUsableDedupKey, specDedupKey } from './dedup.js';
import { PAGER_SEVERITIES, type PagerIncident, type PagerLink, type PagerSeverity } from './pager.js';

/** What an event asks of a pager. */
export type PagerAction = 'trigger' | 'acknowledge' | 'resolve' | 'escalate';

/**
 * The incident an `incident_*` event describes (commands/incident-events.ts writes it; inbound
 * pager webhooks add `dedup_key`). Read leniently: an event without it is a spec event.
 */
const IncidentRef = z.looseObject({
  id: z.string().min(1).max(100).optional(),
  title: z.string().max(1000).optional(),
  service: z.string().max(200).optional(),
  severity: z.string().max(50).optional(),
  status: z.string().max(50).optional(),
  dedup_key: z.string().max(255).optional(),
  /** From an alert source (Alertmanager): the alert's runbook and labels. */
  // Malformed, they are left out rather than costing the incident its id and dedup key.
  runbook_url: z.string().max(2_000).optional().catch(undefined),
  labels: z.record(z.string(), z.string()).optional().catch(undefined),
  /** From an alert source: where to see the alert (the Datadog monitor, the Sentry issue). */
  links: z
    .array(z.looseObject({ label: z.string().max(200), url: z.string().max(2_000) }))
    .max(10)
    .optional()
    .catch(undefined),
  paged_by_workflow: z.boolean().optional(),
});
type IncidentRef = z.infer<typeof IncidentRef>;

function incidentOf(payload: EventPayload): IncidentRef | undefined {
  const parsed = IncidentRef.safeParse(payload.incident);
  return parsed.success ? parsed.data : undefined;
}

/** The Threadline incident (`INC-12`, as the incident store writes it) an incident_* event is about. */
export function incidentIdOf(payload: EventPayload): string | undefined {
  return payload.event.startsWith('incident_') ? incidentOf(payload)?.id : undefined;
}

/**
 * The pager an inbound event came from (`origin` on events made by POST /hooks/pagerduty or
 * /hooks/opsgenie): a connector never sends an event back to the pager that reported it.
 */
export function originOf(payload: EventPayload): string | undefined {
  return typeof payload.origin === 'string' ? payload.origin : undefined;
}

/**
 * Whether the incident workflow has already called (or will call) every pager for this event:
 * a change made in Threadline (the commands mark their events `paged_by_workflow`), or a change
 * a pager reported about a Threadline incident, which the workflow passes on to the other pagers.
 * A pager connector then leaves the event alone, so an incident is never paged twice.
 */
export function pagedByWorkflow(payload: EventPayload): boolean {
  if (!payload.event.startsWith('incident_')) return false;
  const incident = incidentOf(payload);
  if (incident?.paged_by_workflow === true) return true;
  return Boolean(incident?.id && originOf(payload));
}

/**
 * incident_* events move the incident's alert; any other event in `alert_on` opens (or adds to)
 * its spec's alert, except a success, which resolves it: `implementation_completed` in `alert_on`
 * closes the alert an earlier `implementation_failed` opened.
 */
export function pagerActionFor(event: EventName): PagerAction {
  switch (event) {
    case 'incident_acknowledged':
      return 'acknowledge';
    case 'incident_resolved':
      return 'resolve';
    case 'incident_escalated':
      return 'escalate';
    case 'incident_triggered':
      return 'trigger';
    default:
      return eventDefinition(event).outcome === 'success' ? 'resolve' : 'trigger';
  }
}

/** The incident's key, else the spec's, else the event's own. */
export function dedupKeyFor(payload: EventPayload & { id: string }): string {
  const incident = incidentOf(payload);
  if (incident?.dedup_key && isUsableDedupKey(incident.dedup_key)) return incident.dedup_key;
  if (incident?.id) return incidentDedupKey(incident.id);
  if (payload.spec) return specDedupKey(payload.spec.id, payload.repository);
  return eventDedupKey(payload.id);
}

const SEV1 = /^(sev[\s_-]?1|p1|critical)$/i;

/**
 * An incident's own severity; for a spec, `critical` when it is SEV1 (the Integrations Guide:
 * "SEV1 specs: severity: critical - pages immediately"); otherwise undefined, meaning the
 * integration's configured severity or priority.
 */
export function severityOf(payload: EventPayload): PagerSeverity | undefined {
  const incident = incidentOf(payload);
  const own = incident?.severity;
  if (own && (PAGER_SEVERITIES as readonly string[]).includes(own)) return own as PagerSeverity;
  const spec = payload.spec?.severity;
  if (spec && SEV1.test(spec.trim())) return 'critical';
  return undefined;
}

/** The alert an event opens: summary, severity, source, details and links from the payload. */
export function pagerIncidentFor(event: StoredEvent): PagerIncident {
  const { payload } = event;
  const definition = eventDefinition(payload.event);
  const incident = incidentOf(payload);
  const spec = payload.spec;
  const repository = payload.repository
    ? `${payload.repository.owner}/${payload.repository.name}`
    : undefined;
  const subject = spec ? [spec.id, spec.title].filter(Boolean).join(' ') : undefined;
  const summary = incident?.title ?? (subject ? `${definition.title}: ${subject}` : definition.title);

  const details: Record<string, string> = {};
  const add = (key: string, value: string | number | undefined) => {
    if (value !== undefined && String(value).trim() !== '') details[key] = String(value);
  };
  add('event', payload.event);
  add('event_id', payload.id);
  add('incident_id', incident?.id);
  add('service', incident?.service);
  add('spec_id', spec?.id);
  add('spec_title', spec?.title);
  add('spec_file', spec?.file);
  add('spec_status', spec?.status);
  add('spec_severity', spec?.severity);
  add('repository', repository);
  add('branch', payload.branch);
  add('pr', payload.pr?.number);
  add('error', errorText(payload));
  for (const [name, value] of Object.entries(incident?.labels ?? {})) add(`label.${name}`, value);

  const links: PagerLink[] = [];
  if (payload.pr?.url) links.push({ url: payload.pr.url, label: `Pull request #${payload.pr.number}` });
  if (spec?.url) links.push({ url: spec.url, label: `Spec ${spec.id}` });
  if (incident?.runbook_url && /^https?:\/\//i.test(incident.runbook_url))
    links.push({ url: incident.runbook_url, label: 'Runbook' });
  for (const link of incident?.links ?? [])
    if (/^https?:\/\//i.test(link.url)) links.push({ url: link.url, label: link.label });
  const logs = logsUrl(payload);
  if (logs) links.push({ url: logs, label: 'Logs' });

  return {
    dedupKey: dedupKeyFor(payload),
    summary,
    severity: severityOf(payload),
    source: incident?.service ?? repository ?? 'threadline',
    description: errorText(payload),
    details,
    links,
    timestamp: payload.timestamp,
  };
}
