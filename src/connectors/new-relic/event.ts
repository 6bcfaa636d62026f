import { eventDefinition } from '../../core/events.js';
import { errorText, logsUrl, type StoredEvent } from '../../core/payload.js';
import { truncate } from '../../security/escape.js';

/** The Event API keeps string attribute values up to 4096 characters. */
const VALUE_MAX = 4096;
/**
 * Older event times are left to New Relic's time of arrival: a replayed dead letter stays
 * queryable with `SINCE 1 day ago` instead of landing outside what the collector accepts.
 */
const MAX_EVENT_AGE_MS = 24 * 3600_000;

export type Attribute = string | number | boolean;

/**
 * One custom event of `eventType` for a Threadline event, flat as the Event API wants it
 * (string, number and boolean values only), so the guide's query works:
 *
 *   SELECT * FROM SpecIngestion WHERE spec_id = 'FEAT-0001' SINCE 1 day ago
 *
 * `timestamp` is the event's own time (ms) when it is less than a day old; `delivery_id` is the
 * same on every retry, so `uniqueCount(delivery_id)` counts deliveries, not attempts.
 */
export function newRelicEvent(
  event: StoredEvent,
  eventType: string,
  deliveryId: string,
  now = Date.now(),
): Record<string, Attribute> {
  const { payload } = event;
  const attributes: Record<string, Attribute> = { eventType };
  const at = Date.parse(payload.timestamp);
  if (Number.isFinite(at) && at >= now - MAX_EVENT_AGE_MS && at <= now + 60_000) attributes.timestamp = at;
  Object.assign(attributes, {
    event: payload.event,
    outcome: eventDefinition(payload.event).outcome,
    event_id: payload.id,
    delivery_id: deliveryId,
  });
  const put = (name: string, value: string | number | undefined) => {
    if (typeof value === 'number') attributes[name] = value;
    else if (value !== undefined && value.trim() !== '') attributes[name] = truncate(value, VALUE_MAX);
  };
  put('spec_id', payload.spec?.id);
  put('spec_title', payload.spec?.title);
  put('spec_file', payload.spec?.file);
  put('spec_status', payload.spec?.status);
  put('spec_severity', payload.spec?.severity);
  put('pr_number', payload.pr?.number);
  put('pr_url', payload.pr?.url);
  put(
    'repository',
    payload.repository ? `${payload.repository.owner}/${payload.repository.name}` : undefined,
  );
  put('branch', payload.branch);
  put('error', errorText(payload));
  put('logs_url', logsUrl(payload));
  const duration: unknown = payload.duration_seconds;
  if (typeof duration === 'number' && Number.isFinite(duration) && duration >= 0)
    put('duration_seconds', duration);
  return attributes;
}
