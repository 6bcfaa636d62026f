import { eventDefinition } from '../../core/events.js';
import { errorText, logsUrl, type StoredEvent } from '../../core/payload.js';
import { truncate } from '../../security/escape.js';
import { baseTags, tag } from './tags.js';

/** Limits of `EventCreateRequest`: a 100-character title and aggregation key, 4000 characters of text. */
const TITLE_MAX = 100;
const TEXT_MAX = 4000;
const AGGREGATION_KEY_MAX = 100;
/** Datadog refuses a `date_happened` older than 18 hours; without one it uses the time of arrival. */
const MAX_EVENT_AGE_S = 18 * 3600 - 300;

type AlertType = 'error' | 'warning' | 'info' | 'success';

const ALERT_TYPE = {
  failure: 'error',
  warning: 'warning',
  success: 'success',
  info: 'info',
  started: 'info',
} as const satisfies Record<string, AlertType>;

/** The body of `POST /api/v1/events` (`EventCreateRequest`). */
export interface DatadogEvent {
  title: string;
  text: string;
  alert_type: AlertType;
  priority: 'normal';
  tags: string[];
  aggregation_key: string;
  date_happened?: number;
}

/**
 * One event in Datadog's event stream per Threadline event: the title and outcome, the spec's
 * fields as plain text (no markdown, so event text cannot disguise links), `event_tags` plus
 * `event:`, `outcome:`, `spec_id:` and `repository:`, grouped per spec by the aggregation key.
 */
export function datadogEvent(
  event: StoredEvent,
  eventTags: readonly string[],
  now = Date.now(),
): DatadogEvent {
  const { payload } = event;
  const definition = eventDefinition(payload.event);
  const subject = payload.spec?.id ?? payload.id;
  const lines: string[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') lines.push(`${label}: ${value}`);
  };
  add('ID', payload.spec?.id);
  add('Title', payload.spec?.title);
  add('Status', payload.spec?.status);
  add('Branch', payload.branch);
  add('PR', payload.pr ? `#${payload.pr.number}${payload.pr.url ? ` ${payload.pr.url}` : ''}` : undefined);
  add(
    'Repository',
    payload.repository ? `${payload.repository.owner}/${payload.repository.name}` : undefined,
  );
  add('Error', errorText(payload));
  add('Logs', logsUrl(payload));
  add('Event id', payload.id);

  const tags = baseTags(event, eventTags);
  if (payload.spec?.id) tags.push(tag('spec_id', payload.spec.id));
  const happened = Math.floor(Date.parse(payload.timestamp) / 1000);
  const nowS = Math.floor(now / 1000);
  const body: DatadogEvent = {
    title: truncate(
      `${definition.title}: ${subject}${payload.spec?.title ? ` ${payload.spec.title}` : ''}`,
      TITLE_MAX,
    ),
    text: truncate(lines.join('\n'), TEXT_MAX),
    alert_type: ALERT_TYPE[definition.outcome],
    priority: 'normal',
    tags,
    aggregation_key: truncate(subject, AGGREGATION_KEY_MAX),
  };
  if (Number.isFinite(happened) && happened >= nowS - MAX_EVENT_AGE_S && happened <= nowS + 60)
    body.date_happened = happened;
  return body;
}
