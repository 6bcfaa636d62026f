import { createHash } from 'node:crypto';
import { eventDefinition } from '../../core/events.js';
import { errorText, logsUrl, type StoredEvent } from '../../core/payload.js';
import { headerSafe, truncate } from '../../security/escape.js';

/** Sentry keeps tag values up to 200 characters, on one line. */
const TAG_VALUE_MAX = 200;
const MESSAGE_MAX = 8192;

type Level = 'error' | 'warning' | 'info';

const LEVEL = {
  failure: 'error',
  warning: 'warning',
  success: 'info',
  info: 'info',
  started: 'info',
} as const satisfies Record<string, Level>;

export interface SentryEvent {
  event_id: string;
  timestamp: number;
  platform: 'other';
  level: Level;
  logger: string;
  environment: string;
  logentry: { formatted: string };
  exception?: {
    values: Array<{ type: string; value: string; mechanism: { type: string; handled: boolean } }>;
  };
  tags: Record<string, string>;
  fingerprint: string[];
  contexts: Record<string, Record<string, string | number>>;
  sdk: { name: string; version: string };
}

/**
 * Sentry's event id for a delivery: 32 hex digits derived from the delivery id, so every
 * attempt and replay of one delivery is the same Sentry event, which Sentry keeps once.
 */
export function sentryEventId(deliveryId: string): string {
  return createHash('sha256').update(deliveryId).digest('hex').slice(0, 32);
}

/**
 * A Threadline event as a Sentry event: the level from the event's outcome, the error as an
 * exception, `spec_id`, `event` and `error` as tags, the spec, pull request and repository as
 * contexts. One issue per event name and spec (the fingerprint), so a spec that keeps failing
 * collects its failures in one place.
 */
export function sentryEvent(
  event: StoredEvent,
  settings: { environment: string },
  deliveryId: string,
  sdkVersion: string,
): SentryEvent {
  const { payload } = event;
  const definition = eventDefinition(payload.event);
  const subject = payload.spec?.id ?? payload.id;
  const error = errorText(payload);
  const tags: Record<string, string> = { event: payload.event };
  if (payload.spec?.id) tags.spec_id = tagValue(payload.spec.id);
  if (error) tags.error = tagValue(error);
  if (payload.repository)
    tags.repository = tagValue(`${payload.repository.owner}/${payload.repository.name}`);

  const threadline: Record<string, string> = {
    type: 'default',
    event_id: payload.id,
    delivery_id: deliveryId,
    outcome: definition.outcome,
  };
  const logs = logsUrl(payload);
  if (logs) threadline.logs_url = logs;
  const contexts: SentryEvent['contexts'] = { threadline };
  if (payload.spec) contexts.spec = compact({ type: 'default', ...payload.spec });
  if (payload.pr)
    contexts.pull_request = compact({
      type: 'default',
      number: payload.pr.number,
      url: payload.pr.url,
      title: payload.pr.title,
    });
  if (payload.repository || payload.branch)
    contexts.repository = compact({
      type: 'default',
      name: payload.repository ? `${payload.repository.owner}/${payload.repository.name}` : undefined,
      branch: payload.branch,
    });

  const title = `${definition.title}: ${subject}${payload.spec?.title ? ` ${payload.spec.title}` : ''}`;
  const body: SentryEvent = {
    event_id: sentryEventId(deliveryId),
    timestamp: timestampSeconds(event),
    platform: 'other',
    level: LEVEL[definition.outcome],
    logger: 'threadline',
    environment: settings.environment,
    logentry: { formatted: truncate(error ? `${title}\n${error}` : title, MESSAGE_MAX) },
    tags,
    fingerprint: ['threadline', payload.event, subject],
    contexts,
    sdk: { name: 'threadline', version: sdkVersion },
  };
  if (error)
    body.exception = {
      values: [
        {
          type: definition.title.replace(/[^A-Za-z0-9]/g, ''),
          value: truncate(error, MESSAGE_MAX),
          mechanism: { type: 'threadline', handled: true },
        },
      ],
    };
  return body;
}

function tagValue(raw: string): string {
  return truncate(headerSafe(raw), TAG_VALUE_MAX);
}

function timestampSeconds(event: StoredEvent): number {
  const at = Date.parse(event.payload.timestamp);
  return (Number.isFinite(at) ? at : event.receivedAt) / 1000;
}

function compact(values: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}
