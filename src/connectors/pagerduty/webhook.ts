import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { EventName } from '../../core/events.js';
import type { EventPayload } from '../../core/payload.js';
import { incidentIdFromDedupKey } from '../paging/dedup.js';

/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>`, with
 * several comma-separated signatures while PagerDuty rotates the subscription's secret.
 */
export function verifyPagerDutySignature(
  secrets: readonly string[],
  body: Buffer,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const received = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^v1=[0-9a-f]{64}$/i.test(part))
    .map((part) => Buffer.from(part.slice(3).toLowerCase(), 'hex'));
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    // Every pair is compared, so timing tells nothing about which one matched.
    for (const signature of received) if (timingSafeEqual(expected, signature)) matched = true;
  }
  return matched;
}

/** The three incident changes that move an incident's cards; other subscribed types are acknowledged and ignored. */
export const HANDLED: Readonly<Record<string, EventName>> = {
  'incident.acknowledged': 'incident_acknowledged',
  'incident.resolved': 'incident_resolved',
  'incident.escalated': 'incident_escalated',
};

const Reference = z.looseObject({
  id: z.string().optional(),
  summary: z.string().max(1000).optional(),
});

const Envelope = z.looseObject({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w.@-]+$/, 'may contain only letters, digits and . _ @ -'),
  event_type: z.string().min(1).max(100),
  resource_type: z.string().max(100).optional(),
  occurred_at: z.iso.datetime({ offset: true }),
  agent: Reference.nullish(),
  data: z.unknown(),
});

/** The envelope every v3 webhook has; `data` depends on the event type. */
export const PagerDutyWebhook = z.looseObject({ event: Envelope });

/** `event.data` of an incident event. */
export const PagerDutyIncident = z.looseObject({
  id: z.string().min(1).max(100),
  type: z.literal('incident'),
  title: z.string().min(1).max(1000),
  status: z.string().max(50).optional(),
  number: z.number().int().positive().optional(),
  html_url: z
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .optional(),
  incident_key: z.string().max(255).nullish(),
  service: Reference.nullish(),
  assignees: z.array(Reference).max(100).optional(),
});
export type PagerDutyIncident = z.infer<typeof PagerDutyIncident>;

/** A webhook about an incident: the envelope with an incident as its data. */
export const PagerDutyIncidentWebhook = z.looseObject({
  event: Envelope.extend({ data: PagerDutyIncident }),
});
export type PagerDutyIncidentWebhook = z.infer<typeof PagerDutyIncidentWebhook>;

/**
 * The pipeline event for one incident change. Its id is PagerDuty's event id, so a redelivered
 * webhook is a duplicate; `origin` keeps the PagerDuty connector from sending it back.
 */
export function pagerDutyEvent(event: EventName, envelope: PagerDutyIncidentWebhook['event']): EventPayload {
  const incident = envelope.data;
  const dedupKey = incident.incident_key ?? undefined;
  const ours = dedupKey ? incidentIdFromDedupKey(dedupKey) : undefined;
  const subject = ours ?? (incident.number ? `PD-${incident.number}` : incident.id);
  const assignees = (incident.assignees ?? []).map((a) => a.summary).filter((s): s is string => Boolean(s));
  return {
    id: `pagerduty.${envelope.id}`,
    event,
    timestamp: envelope.occurred_at,
    origin: 'pagerduty',
    incident: {
      ...(ours ? { id: ours } : {}),
      title: incident.title,
      status: incident.status,
      ...(dedupKey ? { dedup_key: dedupKey } : {}),
      pager: 'pagerduty',
      pager_incident_id: incident.id,
      ...(incident.number ? { number: incident.number } : {}),
      ...(incident.html_url ? { url: incident.html_url } : {}),
      ...(incident.service?.summary ? { service: incident.service.summary } : {}),
      ...(envelope.agent?.summary ? { by: envelope.agent.summary } : {}),
      ...(assignees.length > 0 ? { assignees } : {}),
    },
    spec: {
      id: subject,
      title: incident.title,
      ...(incident.status ? { status: incident.status } : {}),
      ...(incident.html_url ? { url: incident.html_url } : {}),
    },
  };
}
