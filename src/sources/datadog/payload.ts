import { z } from 'zod';

/*
 * The body of a Datadog webhook whose Payload is the template in docs/integrations.md
 * (https://docs.datadoghq.com/integrations/webhooks/#usage): Datadog fills each `$VARIABLE`
 * and posts the JSON. Values arrive as strings (numbers are accepted too, for a template written
 * without quotes); a variable Datadog has no value for comes as "" or, from some monitor types,
 * as the variable's own name, and is read as absent. Loose, so fields users add are kept.
 */

const filled = (max: number) =>
  z
    .union([z.string().max(max), z.number()])
    .transform((value) => {
      const text = String(value).trim();
      return /^\$[A-Z_]+$/.test(text) ? '' : text;
    })
    .default('');

const required = (max: number, what: string) =>
  filled(max).refine((text) => text !== '', `must not be empty (Datadog's ${what})`);

export const DatadogWebhook = z.looseObject({
  /** `$ID`: the notification event's id, the same on every retry of one delivery. */
  id: required(100, '$ID'),
  /** `$ALERT_TRANSITION`: Triggered, Re-Triggered, Warn, No Data, Renotify, Recovered … */
  transition: required(50, '$ALERT_TRANSITION'),
  /** `$EVENT_TITLE`, e.g. `[Triggered on {host:web-1}] Checkout 5xx rate is high`. */
  title: required(2_000, '$EVENT_TITLE'),
  /** `$ALERT_ID`: the monitor's id. */
  monitor_id: required(100, '$ALERT_ID'),
  /** `$ALERT_CYCLE_KEY`: the same from a monitor group's trigger until its recovery. */
  cycle_key: filled(200),
  /** `$AGGREG_KEY`: the same for every event of one monitor group. */
  aggreg_key: filled(200),
  /** `$ALERT_PRIORITY`: P1 … P5. */
  priority: filled(20),
  /** `$ALERT_TYPE`: error, warning, info, success. */
  alert_type: filled(50),
  event_type: filled(100),
  status: filled(2_000),
  scope: filled(2_000),
  hostname: filled(500),
  /** `$TAGS`: comma-separated `key:value` (or bare) tags. */
  tags: filled(10_000),
  /** `$LINK`: the event in Datadog's app, on the organisation's site. */
  link: filled(2_000),
  date: filled(50),
});
export type DatadogWebhook = z.infer<typeof DatadogWebhook>;
