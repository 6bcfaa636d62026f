import type { Connector } from '../connector.js';

/** PagerDuty's four severities; Opsgenie's priorities are derived from them. */
export const PAGER_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerSeverity = (typeof PAGER_SEVERITIES)[number];

export interface PagerLink {
  url: string;
  label: string;
}

/** What a pager needs to open (or re-trigger) one alert. */
export interface PagerIncident {
  /** Stable per incident: every trigger, acknowledge, resolve and note of one incident carries it. */
  dedupKey: string;
  /** One line: PagerDuty's summary, Opsgenie's message. */
  summary: string;
  /** Absent: the integration's configured severity (PagerDuty) or priority (Opsgenie). */
  severity?: PagerSeverity;
  /** The affected system (PagerDuty's `source`, Opsgenie's `entity`). */
  source?: string;
  /** Longer text (Opsgenie's description; PagerDuty shows it among the custom details). */
  description?: string;
  /** Flat key/value context shown on the alert (custom_details, details). */
  details?: Record<string, string>;
  links?: readonly PagerLink[];
  /** When the problem was seen; now when absent. */
  timestamp?: string;
}

/** Who acted, for the pager's log ("acknowledged by …"); a display name, never a secret. */
export interface PagerActor {
  by?: string;
}

export interface PagerReceipt {
  dedupKey: string;
  /** The provider's id of the request (Opsgenie requestId) or of the alert (PagerDuty dedup_key). */
  reference?: string;
  /** One line for logs and the CLI; no secrets. */
  summary: string;
}

/**
 * The seam the incident workflow calls, whatever pager is configured. Every operation is
 * idempotent on `dedupKey`, so a retried job never pages twice. Failures come out as the error
 * kinds (`RateLimitedError`, `AuthError`, `ValidationError`, `TransientError` …), secrets
 * scrubbed, so the queue's one steering rule applies to them unchanged.
 */
export interface Pager {
  /** The integration name: `pagerduty`, `opsgenie`. */
  readonly pager: string;
  trigger(incident: PagerIncident): Promise<PagerReceipt>;
  acknowledge(dedupKey: string, actor?: PagerActor): Promise<PagerReceipt>;
  resolve(dedupKey: string, actor?: PagerActor): Promise<PagerReceipt>;
  note(dedupKey: string, text: string, actor?: PagerActor): Promise<PagerReceipt>;
  /** What an escalation in Threadline does at this pager (re-trigger, or a note); a note when absent. */
  escalate?(incident: PagerIncident, actor?: PagerActor): Promise<PagerReceipt>;
}

/** The enabled connectors that are pagers (for the incident workflow: `registry.all().filter(isPager)`). */
export function isPager(connector: Connector): connector is Connector & Pager {
  const candidate = connector as Partial<Pager>;
  return (
    typeof candidate.pager === 'string' &&
    typeof candidate.trigger === 'function' &&
    typeof candidate.acknowledge === 'function' &&
    typeof candidate.resolve === 'function' &&
    typeof candidate.note === 'function'
  );
}

/** Where an alert stands at the pager, in PagerDuty's words (Opsgenie's open / acknowledged / closed map onto them). */
export type PagerSideStatus = 'triggered' | 'acknowledged' | 'resolved';

/** What a status read found about one alert. */
export interface PagerStatusReport {
  status: PagerSideStatus;
  /** Who made the last change, as the pager names them; never a secret. */
  by?: string;
  /** The pager's own id of the alert or incident. */
  reference?: string;
}

/** How a pager is polled; absent when it is not (no credentials for reading, or poll_interval 0). */
export interface PagerPolling {
  intervalMs: number;
  /** Polling pauses while a verified webhook from this pager arrived within this long. */
  resumeAfterMs: number;
  /** The config key an operator checks when the pager refuses the read (401/403). */
  credentials: string;
}

/** A pager whose alerts' status can be read back, for the polling fallback when its webhooks cannot reach us. */
export interface PolledPager extends Pager {
  readonly polling: PagerPolling | undefined;
  /** Undefined when the pager has no alert for the key (yet). */
  status(dedupKey: string): Promise<PagerStatusReport | undefined>;
}

export function isPolledPager(connector: Connector): connector is Connector & PolledPager {
  const candidate = connector as Partial<PolledPager>;
  return isPager(connector) && typeof candidate.status === 'function' && 'polling' in candidate;
}
