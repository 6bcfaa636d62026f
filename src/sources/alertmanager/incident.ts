import type { IncidentContext, IncidentSeverity } from '../../workflows/incidents.js';
import type { AlertmanagerAlert, AlertmanagerWebhook } from './payload.js';

/** What one notification says about its group's incident. */
export interface AlertIncident extends IncidentContext {
  source: string;
  title: string;
  severity: IncidentSeverity;
  service?: string;
}

/** `severity` label values as teams write them, onto the four severities pagers know. */
const SEVERITY_LABELS: Readonly<Record<string, IncidentSeverity>> = {
  critical: 'critical',
  page: 'critical',
  error: 'error',
  high: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  informational: 'info',
  low: 'info',
  none: 'info',
};
const RANK: Readonly<Record<IncidentSeverity, number>> = { critical: 0, error: 1, warning: 2, info: 3 };

const MAX_TITLE = 500;
const MAX_SERVICE = 100;
const MAX_LABELS = 30;
const MAX_LABEL_VALUE = 200;

/**
 * The incident card's content: the title from the `summary` annotation, else the alert name; the
 * severity from the `severity` label (the gravest among the firing alerts when they differ), else
 * `fallback`; the service from the `service` (else `job`) label; the `runbook_url` annotation when
 * it is an http(s) URL; and the labels every alert of the group shares.
 */
export function alertIncident(webhook: AlertmanagerWebhook, fallback: IncidentSeverity): AlertIncident {
  const firing = webhook.alerts.filter((a) => a.status === 'firing');
  const alerts = firing.length > 0 ? firing : webhook.alerts;
  const first = alerts[0]!;
  const common = webhook.commonLabels;
  const annotation = (name: string) => webhook.commonAnnotations[name] ?? first.annotations[name];
  const label = (name: string) => common[name] ?? first.labels[name];

  const name = label('alertname') ?? webhook.groupLabels.alertname ?? 'Alertmanager alert';
  const summary = annotation('summary')?.trim();
  const count = alerts.length > 1 ? ` (${alerts.length} alerts)` : '';
  const service = (label('service') ?? label('job'))?.trim();
  const runbook = annotation('runbook_url')?.trim();
  return {
    title: clip(`${summary || name}${count}`, MAX_TITLE),
    severity: severityOf(alerts) ?? fallback,
    ...(service ? { service: clip(service, MAX_SERVICE) } : {}),
    source: 'alertmanager',
    ...(runbook && isHttpUrl(runbook) ? { runbookUrl: runbook } : {}),
    labels: shownLabels(common),
  };
}

function severityOf(alerts: readonly AlertmanagerAlert[]): IncidentSeverity | undefined {
  let gravest: IncidentSeverity | undefined;
  for (const alert of alerts) {
    const mapped = SEVERITY_LABELS[(alert.labels.severity ?? '').trim().toLowerCase()];
    if (mapped && (gravest === undefined || RANK[mapped] < RANK[gravest])) gravest = mapped;
  }
  return gravest;
}

function shownLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, MAX_LABELS)
      .map(([name, value]) => [clip(name, MAX_LABEL_VALUE), clip(value, MAX_LABEL_VALUE)]),
  );
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
