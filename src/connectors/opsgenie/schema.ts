import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl, secret } from '../../core/schema-primitives.js';
import { pollingKeys } from '../paging/polling-config.js';
import { PagerWebhook } from '../paging/webhook-config.js';

export const OpsgenieIntegration = z.strictObject({
  ...deliveryCommon,
  /** https://api.opsgenie.com, or https://api.eu.opsgenie.com for an account in the EU. */
  api_url: httpUrl.default('https://api.opsgenie.com'),
  api_key: secret.optional(),
  alert_on: eventList.default([]),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default('P3'),
  /** Opsgenie keeps at most 20 tags of up to 50 characters each. */
  tags: z.array(z.string().min(1).max(50)).max(20).default([]),
  /**
   * Inbound POST /hooks/opsgenie from an Opsgenie Webhook integration, which cannot sign: it must
   * send this shared secret in an `X-Threadline-Token` custom header (or as a basic-auth password).
   */
  webhook: PagerWebhook.optional(),
  /** Status polling through the Alert API (GET by alias), the fallback when webhooks cannot reach us. */
  ...pollingKeys,
});

export type OpsgenieIntegrationConfig = z.infer<typeof OpsgenieIntegration>;
