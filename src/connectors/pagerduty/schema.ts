import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl, secret } from '../../core/schema-primitives.js';

export const PagerDutyIntegration = z.strictObject({
  ...deliveryCommon,
  events_url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  api_url: httpUrl.default('https://api.pagerduty.com'),
  routing_key: secret.optional(),
  api_token: secret.optional(),
  alert_on: eventList.default([]),
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('warning'),
});

export type PagerDutyIntegrationConfig = z.infer<typeof PagerDutyIntegration>;
