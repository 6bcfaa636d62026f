import type { Card, CardSeverity } from '../src/core/card.js';
import { type Incident, lastEntry } from '../src/workflows/incidents.js';

const SEVERITY: Record<Incident['severity'], CardSeverity> = {
  critical: 'failure',
  error: 'failure',
  warning: 'warning',
  info: 'info',
};

const STATUS_LABEL: Record<Incident['status'], string> = {
  triggered: '🚨 Triggered',
  acknowledged: '👀 Acknowledged',
  resolved: '✅ Resolved',
};

/** The incident's parent card: its current state, and the buttons that still make sense. */
export function incidentCard(incident: Incident): Card {
  const acked = lastEntry(incident, 'acknowledged');
  const resolved = lastEntry(incident, 'resolved');
  const escalated = lastEntry(incident, 'escalated');
  const fields = [
    { label: 'Incident', value: incident.id, inline: true },
    { label: 'Status', value: STATUS_LABEL[incident.status], inline: true },
    { label: 'Severity', value: incident.severity, inline: true },
    ...(incident.service ? [{ label: 'Service', value: incident.service, inline: true }] : []),
    ...(incident.source ? [{ label: 'Source', value: incident.source, inline: true }] : []),
    ...(incident.labels && Object.keys(incident.labels).length > 0
      ? [{ label: 'Labels', value: labelList(incident.labels), inline: false }]
      : []),
    { label: 'Opened by', value: `${incident.createdBy} at ${incident.createdAt}`, inline: false },
    ...(acked ? [{ label: 'Acknowledged by', value: `${acked.by} at ${acked.at}`, inline: false }] : []),
    ...(escalated
      ? [{ label: 'Escalated by', value: `${escalated.by} at ${escalated.at}`, inline: false }]
      : []),
    ...(resolved ? [{ label: 'Resolved by', value: `${resolved.by} at ${resolved.at}`, inline: false }] : []),
  ];
  const open = incident.status !== 'resolved';
  return {
    title: `${incident.status === 'resolved' ? '✅' : '🚨'} ${incident.id}: ${incident.title}`,
    severity: incident.status === 'resolved' ? 'success' : SEVERITY[incident.severity],
    fields,
    links: [
      ...(incident.runbookUrl ? [{ label: 'Runbook', url: incident.runbookUrl }] : []),
      ...(incident.links ?? []),
    ],
    actions: open
      ? [
          ...(incident.status === 'triggered'
            ? [{ id: 'incident.ack', label: 'Acknowledge', style: 'primary' as const, value: incident.id }]
            : []),
          {
            id: 'incident.resolve',
            label: 'Resolve',
            style: 'default' as const,
            value: incident.id,
            confirm: {
              title: `Resolve ${incident.id}?`,
              text: 'This closes the incident for everyone.',
              confirm: 'Resolve',
              deny: 'Cancel',
            },
          },
          { id: 'incident.escalate', label: 'Escalate', style: 'danger' as const, value: incident.id },
        ]
      : [],
    footer: `Threadline · ${incident.id}`,
  };
}

/** `alertname=HighLatency, job=api`: labels as Prometheus writes them, in a stable order. */
function labelList(labels: Readonly<Record<string, string>>): string {
  return (
    Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      // A bare tag (Datadog's `canary`) has no value to show.
      .map(([name, value]) => (value === '' ? name : `${name}=${value}`))
      .join(', ')
  );
}
