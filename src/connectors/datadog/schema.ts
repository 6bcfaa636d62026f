import { z } from 'zod';
import { deliveryCommon, eventList, flag, httpUrl, secret } from '../../core/schema-primitives.js';

export const DatadogIntegration = z.strictObject({
  ...deliveryCommon,
  site: z.string().min(1).default('datadoghq.com'),
  api_url: httpUrl.optional(),
  api_key: secret.optional(),
  app_key: secret.optional(),
  send_metrics: flag.default(true),
  metric_prefix: z
    .string()
    .regex(/^[a-zA-Z][\w.]*$/, 'must start with a letter and use letters, digits, _ and .')
    .default('spec_ingestion'),
  send_events: flag.default(true),
  event_tags: z.array(z.string().min(1)).default([]),
  events: eventList.optional(),
});

export type DatadogIntegrationConfig = z.infer<typeof DatadogIntegration>;
