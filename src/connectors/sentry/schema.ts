import { z } from 'zod';
import { deliveryCommon, eventList, secret } from '../../core/schema-primitives.js';

export const SentryIntegration = z.strictObject({
  ...deliveryCommon,
  dsn: secret.optional(),
  environment: z.string().min(1).default('production'),
  report_on: eventList.default([]),
});

export type SentryIntegrationConfig = z.infer<typeof SentryIntegration>;
