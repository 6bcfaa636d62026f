import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl } from '../../core/schema-primitives.js';

export const SlackIntegration = z.strictObject({
  ...deliveryCommon,
  channel: z.string().min(1).optional(),
  notify_on: eventList.default([]),
  mention_on_failure: z.array(z.string().min(1)).default([]),
  webhook_url: httpUrl.optional(),
});

export type SlackIntegrationConfig = z.infer<typeof SlackIntegration>;
