import type { IncidentSeverity } from '../../workflows/incidents.js';
import {
  clip,
  graver,
  isHttpUrl,
  MAX_SERVICE,
  MAX_TITLE,
  type SourceAlert,
  severityWord,
  shownLabels,
} from '../common/alert-context.js';
import type { AlertmanagerAlert, AlertmanagerWebhook } from './payload.js';

/**
 * The incident card's content: the title from the `summary` annotation, else the alert name; the
 * severity from the `severity` label (the gravest among the firing alerts when they differ), else
 * `fallback`; the service from the `service` (else `job`) label; the `runbook_url` annotation when
 * it is an http(s) URL; and the labels every alert of the group shares.
 */
export function alertIncident(webhook: AlertmanagerWebhook, fallback: IncidentSeverity): SourceAlert {
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
    ...(isHttpUrl(runbook) ? { runbookUrl: runbook } : {}),
    labels: shownLabels(common),
  };
}

function severityOf(alerts: readonly AlertmanagerAlert[]): IncidentSeverity | undefined {
  let gravest: IncidentSeverity | undefined;
  for (const alert of alerts) gravest = graver(gravest, severityWord(alert.labels.severity));
  return gravest;
}
