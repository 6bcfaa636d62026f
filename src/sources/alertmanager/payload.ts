import { z } from 'zod';

/*
 * The body Alertmanager's webhook_config posts (payload version 4, Alertmanager 0.x):
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config. Objects are read
 * leniently (loose), so a field a later Alertmanager adds does not refuse the notification.
 */

const LabelSet = z.record(z.string().max(1_000), z.string().max(10_000));
const Status = z.enum(['firing', 'resolved'], { error: 'must be "firing" or "resolved"' });

export const AlertmanagerAlert = z.looseObject({
  status: Status,
  labels: LabelSet,
  annotations: LabelSet.default({}),
  startsAt: z.string().max(100),
  endsAt: z.string().max(100),
  generatorURL: z.string().max(10_000).optional(),
  fingerprint: z.string().max(100).optional(),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

export const AlertmanagerWebhook = z.looseObject({
  version: z.literal('4', { error: 'must be "4" (the webhook payload version this route reads)' }),
  groupKey: z.string().min(1, 'must not be empty').max(100_000),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: Status,
  receiver: z.string().max(1_000),
  groupLabels: LabelSet.default({}),
  commonLabels: LabelSet.default({}),
  commonAnnotations: LabelSet.default({}),
  externalURL: z.string().max(10_000).default(''),
  alerts: z.array(AlertmanagerAlert).min(1, 'must list at least one alert').max(10_000),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;
