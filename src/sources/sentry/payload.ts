import { z } from 'zod';

/*
 * The bodies of a Sentry internal integration's webhooks that open and close incidents
 * (https://docs.sentry.io/organization/integrations/integration-platform/webhooks/):
 * `event_alert` (an issue alert rule's action fired), `metric_alert` (a metric alert rule's
 * incident went critical, warning or resolved) and `issue` (an issue changed state). Read
 * leniently (loose objects), so fields a later Sentry adds never refuse a delivery.
 */

/** Issue ids are strings in these payloads; a number is accepted as well. */
const Id = z
  .union([z.string().max(100), z.number().int()])
  .transform((value) => String(value).trim())
  .refine((id) => id !== '', 'must not be empty');

export const SentryEventAlert = z.looseObject({
  action: z.string().max(50),
  data: z.looseObject({
    event: z.looseObject({
      issue_id: Id,
      title: z.string().max(10_000).default(''),
      level: z.string().max(50).optional(),
      web_url: z.string().max(2_000).optional(),
      issue_url: z.string().max(2_000).optional(),
      culprit: z.string().max(2_000).nullish(),
      /** `[["browser", "Chrome 75"], ["level", "error"], …]`; read as far as it has that shape. */
      tags: z.array(z.unknown()).max(1_000).default([]),
    }),
    triggered_rule: z.string().max(1_000).optional(),
  }),
});
export type SentryEventAlert = z.infer<typeof SentryEventAlert>;

export const SentryIssueChange = z.looseObject({
  action: z.string().max(50),
  data: z.looseObject({
    issue: z.looseObject({
      id: Id,
      title: z.string().max(10_000).optional(),
      shortId: z.string().max(200).optional(),
      status: z.string().max(50).optional(),
    }),
  }),
});
export type SentryIssueChange = z.infer<typeof SentryIssueChange>;

/** A metric alert's webhook: `action` is `critical`, `warning` or `resolved`. */
export const SentryMetricAlert = z.looseObject({
  action: z.string().max(50),
  data: z.looseObject({
    metric_alert: z.looseObject({
      /** Sentry's incident of the alert rule: one per breach, from critical or warning to resolved. */
      id: Id,
      title: z.string().max(10_000).optional(),
      alert_rule: z.looseObject({ name: z.string().max(1_000).optional() }).optional(),
    }),
    description_title: z.string().max(10_000).optional(),
    description_text: z.string().max(10_000).optional(),
    web_url: z.string().max(2_000).optional(),
  }),
});
export type SentryMetricAlert = z.infer<typeof SentryMetricAlert>;
