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
import type { DatadogWebhook } from './payload.js';

/** What a notification does to its monitor group's incident. */
export type DatadogTransition = 'firing' | 'resolved' | 'ignored';

/**
 * `$ALERT_TRANSITION` onto what it does: Triggered, Re-Triggered, Renotify, Warn, Re-Warn, No Data
 * and Re-No Data open (or update) the incident; Recovered resolves it; anything else (Null, a
 * test notification, a value a later Datadog adds) changes nothing.
 */
export function transitionOf(webhook: DatadogWebhook): DatadogTransition {
  const word = normalised(webhook.transition);
  if (word === 'recovered') return 'resolved';
  if (FIRING.has(word)) return 'firing';
  return 'ignored';
}

const FIRING = new Set(['triggered', 're-triggered', 'renotify', 'warn', 're-warn', 'no data', 're-no data']);

const PRIORITY: Readonly<Record<string, IncidentSeverity>> = {
  p1: 'critical',
  p2: 'error',
  p3: 'warning',
  p4: 'info',
  p5: 'info',
};

/**
 * The monitor group one incident stands for. The alert cycle key names one episode, trigger to
 * recovery, so a trigger arriving after its own recovery (a retry) reopens nothing; without it,
 * the aggregation key names the monitor group, and a later trigger opens a new incident.
 */
export function groupOf(webhook: DatadogWebhook): { key: string; episode: boolean } {
  if (webhook.cycle_key)
    return { key: `monitor:${webhook.monitor_id}:cycle:${webhook.cycle_key}`, episode: true };
  if (webhook.aggreg_key)
    return { key: `monitor:${webhook.monitor_id}:aggreg:${webhook.aggreg_key}`, episode: false };
  return { key: `monitor:${webhook.monitor_id}`, episode: false };
}

/**
 * The incident card's content: the event title without Datadog's `[Triggered on …]` / `[P1]`
 * prefixes (the same for every notification of an episode); the severity from the monitor's
 * priority (P1 critical, P2 error, P3 warning, P4–P5 info), `warning` for a Warn transition,
 * else the alert type, else `fallback`; the service from the `service:` tag; the tags (and the
 * host) as labels; links to the monitor and the event on the organisation's Datadog site.
 */
export function datadogIncident(webhook: DatadogWebhook, fallback: IncidentSeverity): SourceAlert {
  const tags = tagsOf(webhook.tags);
  if (webhook.hostname && tags.host === undefined) tags.host = webhook.hostname;
  const noData = normalised(webhook.transition).endsWith('no data');
  const service = tags.service?.trim();
  return {
    title: clip(`${bareTitle(webhook.title)}${noData ? ' (no data)' : ''}`, MAX_TITLE),
    severity: severityOf(webhook) ?? fallback,
    ...(service ? { service: clip(service, MAX_SERVICE) } : {}),
    source: 'datadog',
    labels: shownLabels({ ...tags, monitor_id: webhook.monitor_id }),
    links: linksOf(webhook),
  };
}

function severityOf(webhook: DatadogWebhook): IncidentSeverity | undefined {
  if (normalised(webhook.transition).endsWith('warn')) return 'warning';
  return PRIORITY[webhook.priority.toLowerCase()] ?? severityWord(webhook.alert_type);
}

const PREFIX =
  /^\s*(?:\[(?:p[1-5]|(?:re-)?triggered|recovered|(?:re-)?warn|(?:re-)?no data|renotify)\b[^\]]*\]\s*)+/i;

function bareTitle(title: string): string {
  const bare = title.replace(PREFIX, '').trim();
  return bare === '' ? title : bare;
}

/** `env:prod, service:checkout, canary` → { env: 'prod', service: 'checkout', canary: '' }. */
function tagsOf(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of text.split(',')) {
    const trimmed = tag.trim();
    if (trimmed === '') continue;
    const colon = trimmed.indexOf(':');
    if (colon > 0) tags[trimmed.slice(0, colon)] = trimmed.slice(colon + 1);
    else tags[trimmed] = '';
  }
  return tags;
}

/** `$LINK` is on the organisation's own site (datadoghq.eu, us5 …): the monitor page is beside it. */
function linksOf(webhook: DatadogWebhook): IncidentLink[] {
  if (!isHttpUrl(webhook.link)) return [];
  const links: IncidentLink[] = [];
  if (/^\d+$/.test(webhook.monitor_id))
    links.push({
      label: 'Datadog monitor',
      url: `${new URL(webhook.link).origin}/monitors/${webhook.monitor_id}`,
    });
  links.push({ label: 'Datadog event', url: webhook.link });
  return links;
}

function normalised(transition: string): string {
  return transition
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
}
