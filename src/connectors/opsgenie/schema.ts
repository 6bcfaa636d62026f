import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl, secret } from '../../core/schema-primitives.js';

export const OpsgenieIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://api.opsgenie.com'),
  api_key: secret.optional(),
  alert_on: eventList.default([]),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default('P3'),
  tags: z.array(z.string().min(1)).default([]),
});

export type OpsgenieIntegrationConfig = z.infer<typeof OpsgenieIntegration>;
