import { z } from 'zod';
import { flag, secret } from '../../core/schema-primitives.js';
import { BasicAuth, fallbackSeverity, oneOrMore } from '../common/schema.js';

/**
 * `inbound.datadog`: POST /hooks/datadog for a webhook of Datadog's Webhooks integration. Datadog
 * signs nothing, so the webhook carries a credential the ways its tile can send one: a custom
 * header (`X-Threadline-Token: <token>` or `Authorization: Bearer <token>`) or basic auth (the
 * webhook's Auth Method). Several of each are accepted while one is being rotated. Unless
 * `enabled` is written, the route is on exactly when a credential is set.
 */
export const DatadogInbound = z
  .strictObject({
    enabled: flag.optional(),
    token: oneOrMore(secret).optional(),
    basic_auth: oneOrMore(BasicAuth).optional(),
    /** The incident's severity when the monitor has no priority (P1–P5) and no alert type Threadline knows. */
    severity: fallbackSeverity,
  })
  .superRefine((block, ctx) => {
    if (block.enabled === true && !block.token && !block.basic_auth)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          'is required while POST /hooks/datadog is enabled (or basic_auth; or inbound.datadog.enabled: false)',
      });
  })
  .transform(({ enabled, token, basic_auth, severity }) => ({
    enabled: enabled ?? Boolean(token || basic_auth),
    // Keys kept as written: the config's secrets are found by key name (src/config/secrets.ts).
    token: token ?? [],
    basic_auth: basic_auth ?? [],
    severity,
  }));

export type DatadogInboundConfig = z.output<typeof DatadogInbound>;

export const DATADOG_INBOUND_OFF: DatadogInboundConfig = {
  enabled: false,
  token: [],
  basic_auth: [],
  severity: 'error',
};
