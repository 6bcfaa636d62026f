import { z } from 'zod';
import { secret } from '../../core/schema-primitives.js';

/**
 * `webhook:` in a pager's block: the inbound route (POST /hooks/<pager>) is served exactly when a
 * secret is set. Several secrets are accepted while one is being rotated; any of them verifies.
 */
export const PagerWebhook = z.strictObject({
  secret: z.union([secret, z.array(secret).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
});
export type PagerWebhookConfig = z.infer<typeof PagerWebhook>;
