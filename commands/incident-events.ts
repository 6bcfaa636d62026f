import type { EventName } from '../src/core/events.js';
import type { EventPayload } from '../src/core/payload.js';
import type { Incident } from '../src/workflows/incidents.js';

/**
 * The event an incident change sends through the pipeline; its id makes a retried job a no-op.
 * `paged_by_workflow` tells the pager connectors that the incident workflow has called every
 * pager itself (through the Pager seam), so `alert_on` must not call them a second time. An
 * alert source that opens incidents without the chat workflow (Alertmanager) passes
 * `pagedByWorkflow: false`: its pagers are reached through `alert_on`, on the same dedup key.
 */
export function incidentEvent(
  event: EventName,
  incident: Incident,
  step: string,
  options: { pagedByWorkflow?: boolean } = {},
): EventPayload {
  return {
    id: `${incident.id}.${step}`,
    event,
    timestamp: new Date().toISOString(),
    incident: {
      id: incident.id,
      title: incident.title,
      service: incident.service,
      severity: incident.severity,
      status: incident.status,
      ...(incident.source ? { source: incident.source } : {}),
      ...(incident.runbookUrl ? { runbook_url: incident.runbookUrl } : {}),
      ...(incident.labels ? { labels: incident.labels } : {}),
      ...(incident.links ? { links: incident.links } : {}),
      ...(options.pagedByWorkflow === false ? {} : { paged_by_workflow: true }),
    },
    spec: { id: incident.id, title: incident.title, status: incident.status, severity: incident.severity },
  };
}
