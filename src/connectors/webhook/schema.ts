import { z } from 'zod';
import { eventList, flag, httpUrl, int, secret } from '../../core/schema-primitives.js';

export const WebhookEndpoint = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9][\w-]{0,62}$/, 'must be 1-63 letters, digits, _ or -'),
  url: httpUrl,
  events: eventList.min(1, 'list at least one event'),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name'), z.string())
    .default({}),
  secret: secret.optional(),
  retry_count: int(0, 20).optional(),
  timeout_ms: int(100, 120_000).optional(),
});

export const WebhooksIntegration = z.strictObject({
  enabled: flag.default(false),
  endpoints: z.array(WebhookEndpoint).default([]),
});

export type WebhookEndpointConfig = z.infer<typeof WebhookEndpoint>;
export type WebhooksIntegrationConfig = z.infer<typeof WebhooksIntegration>;
