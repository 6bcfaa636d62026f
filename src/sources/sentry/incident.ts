import type { IncidentLink, IncidentSeverity } from '../../workflows/incidents.js';
import {
  clip,
  isHttpUrl,
  MAX_SERVICE,
  MAX_TITLE,
  type SourceAlert,
  severityWord,
  shownLabels,
} from '../common/alert-context.js';
import type { SentryEventAlert, SentryMetricAlert } from './payload.js';

/** One incident per Sentry issue: the alert that fires for it and the issue's resolution meet here. */
export function issueGroup(issueId: string): string {
  return `issue:${issueId}`;
}

/** One incident per breach of a metric alert rule (Sentry's own incident of the rule). */
export function metricAlertGroup(metricAlertId: string): string {
  return `metric-alert:${metricAlertId}`;
}

/**
 * The incident card's content from a metric alert: the rule's title (else Sentry's description
 * title without its `Critical: ` prefix), `critical` for a critical breach and `warning` for a
 * warning one, the rule and Sentry's description as labels, and a link to the alert in Sentry.
 */
export function sentryMetricIncident(alert: SentryMetricAlert): SourceAlert {
  const {
    metric_alert: metric,
    description_title: described,
    description_text: text,
    web_url: url,
  } = alert.data;
  const rule = metric.alert_rule?.name?.trim();
  const title =
    metric.title?.trim() ||
    described?.replace(/^(Critical|Warning|Resolved):\s*/i, '').trim() ||
    rule ||
    `Sentry metric alert ${metric.id}`;
  return {
    title: clip(title, MAX_TITLE),
    severity: alert.action === 'critical' ? 'critical' : 'warning',
    source: 'sentry',
    labels: shownLabels({
      ...(rule ? { rule } : {}),
      ...(text?.trim() ? { condition: text.trim() } : {}),
      metric_alert: metric.id,
    }),
    links: isHttpUrl(url) ? [{ label: 'Sentry metric alert', url }] : [],
  };
}

/**
 * The incident card's content from an issue alert: the event's title (else the rule's name), the
 * severity from the event's level (fatal critical, error, warning, info and debug info) else
 * `fallback`, the service from a `service` tag, the event's tags and the rule as labels, and a
 * link to the issue (else the event) in Sentry.
 */
export function sentryIncident(alert: SentryEventAlert, fallback: IncidentSeverity): SourceAlert {
  const { event, triggered_rule: rule } = alert.data;
  const tags = tagsOf(event.tags);
  const service = tags.service?.trim();
  const title = event.title.trim() || rule?.trim() || `Sentry issue ${event.issue_id}`;
  return {
    title: clip(title, MAX_TITLE),
    severity: severityWord(event.level) ?? fallback,
    ...(service ? { service: clip(service, MAX_SERVICE) } : {}),
    source: 'sentry',
    labels: shownLabels({ ...tags, ...(rule ? { rule } : {}), issue_id: event.issue_id }),
    links: linksOf(event.web_url),
  };
}

/** Sentry sends tags as `[key, value]` pairs (older payloads: `{ key, value }` objects). */
function tagsOf(tags: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags) {
    if (Array.isArray(tag) && typeof tag[0] === 'string' && typeof tag[1] === 'string') out[tag[0]] = tag[1];
    else if (tag && typeof tag === 'object' && 'key' in tag && 'value' in tag) {
      const { key, value } = tag as { key: unknown; value: unknown };
      if (typeof key === 'string' && typeof value === 'string') out[key] = value;
    }
  }
  return out;
}

/** The event's web URL ends in `/issues/<id>/events/<event id>/`: the issue's page is its stem. */
function linksOf(webUrl: string | undefined): IncidentLink[] {
  if (!isHttpUrl(webUrl)) return [];
  const issue = /^(.*\/issues\/\d+\/)events\/[^/]+\/?$/.exec(webUrl)?.[1];
  return issue ? [{ label: 'Sentry issue', url: issue }] : [{ label: 'Sentry event', url: webUrl }];
}
