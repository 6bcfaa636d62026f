import type { EventName } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import { baseTags } from './tags.js';

/** Datadog's metric intake types (`MetricIntakeType`): 1 count, 3 gauge. */
const COUNT = 1;
const GAUGE = 3;

/** Datadog drops points more than an hour old; a late replay is counted now instead. */
const MAX_POINT_AGE_S = 55 * 60;

/**
 * The events that end an implementation run, and the counters each adds to. The guide's
 * `implementation_failed` is "AI or validation fails", so `validation_failed` is not counted
 * again (a failed validation would otherwise count twice).
 */
const RUN_OUTCOMES = {
  implementation_completed: 'success',
  implementation_failed: 'failure',
} as const satisfies Partial<Record<EventName, 'success' | 'failure'>>;

export const METRIC_EVENTS = Object.keys(RUN_OUTCOMES) as EventName[];

export interface MetricSeries {
  metric: string;
  type: typeof COUNT | typeof GAUGE;
  points: Array<{ timestamp: number; value: number }>;
  tags: string[];
  unit?: string;
}

/** The body of `POST /api/v2/series` (`MetricPayload`). */
export interface MetricPayload {
  series: MetricSeries[];
}

/**
 * The guide's metrics for one event: `<prefix>.processed` and `<prefix>.success|failure`
 * counters of 1, and the `<prefix>.duration` gauge in seconds when the event carries
 * `duration_seconds`. Empty for an event that ends no run.
 *
 * The point's time is when Threadline accepted the event, the same on every retry, so a
 * retried submission lands on the same second as the first.
 */
export function metricPayload(
  event: StoredEvent,
  settings: { metric_prefix: string; event_tags: readonly string[] },
  now = Date.now(),
): MetricPayload {
  const name = event.payload.event;
  const outcome = name in RUN_OUTCOMES ? RUN_OUTCOMES[name as keyof typeof RUN_OUTCOMES] : undefined;
  if (outcome === undefined) return { series: [] };
  const nowS = Math.floor(now / 1000);
  const acceptedS = Math.floor(event.receivedAt / 1000);
  const timestamp = acceptedS >= nowS - MAX_POINT_AGE_S && acceptedS <= nowS ? acceptedS : nowS;
  const tags = baseTags(event, settings.event_tags);
  const count = (metric: string): MetricSeries => ({
    metric: `${settings.metric_prefix}.${metric}`,
    type: COUNT,
    points: [{ timestamp, value: 1 }],
    tags,
  });
  const series = [count('processed'), count(outcome)];
  const duration = durationSeconds(event);
  if (duration !== undefined) {
    series.push({
      metric: `${settings.metric_prefix}.duration`,
      type: GAUGE,
      points: [{ timestamp, value: duration }],
      tags,
      unit: 'second',
    });
  }
  return { series };
}

/** `duration_seconds` from the payload (producers add it; the guide's payload has no duration). */
export function durationSeconds(event: StoredEvent): number | undefined {
  const value: unknown = event.payload.duration_seconds;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
