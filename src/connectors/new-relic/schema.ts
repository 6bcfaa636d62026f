import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl, secret } from '../../core/schema-primitives.js';

export const NewRelicIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.optional(),
  api_key: secret.optional(),
  account_id: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d+$/, 'must be numeric')),
  event_type: z
    .string()
    .regex(/^[A-Za-z_][\w:]*$/, 'must be a valid New Relic event type')
    .default('SpecIngestion'),
  events: eventList.optional(),
});

export type NewRelicIntegrationConfig = z.infer<typeof NewRelicIntegration>;
