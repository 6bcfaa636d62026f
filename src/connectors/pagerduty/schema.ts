import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl, secret } from '../../core/schema-primitives.js';
import { pollingKeys } from '../paging/polling-config.js';
import { PagerWebhook } from '../paging/webhook-config.js';

export const PagerDutyIntegration = z.strictObject({
  ...deliveryCommon,
  events_url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  api_url: httpUrl.default('https://api.pagerduty.com'),
  routing_key: secret.optional(),
  /** REST API token: notes and status polling need it (the Events API can neither add notes nor read). */
  api_token: secret.optional(),
  /** The PagerDuty user a note is written as (the REST API's required `From` header). */
  from_email: z.email('must be an e-mail address').optional(),
  alert_on: eventList.default([]),
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('warning'),
  /** Inbound v3 webhooks at POST /hooks/pagerduty, verified with this signing secret. */
  webhook: PagerWebhook.optional(),
  /** Status polling through the REST API (needs api_token), the fallback when webhooks cannot reach us. */
  ...pollingKeys,
});

export type PagerDutyIntegrationConfig = z.infer<typeof PagerDutyIntegration>;
