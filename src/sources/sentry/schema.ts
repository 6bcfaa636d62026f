import { z } from 'zod';
import { flag, secret } from '../../core/schema-primitives.js';
import { fallbackSeverity, oneOrMore } from '../common/schema.js';

/**
 * `inbound.sentry`: POST /hooks/sentry for a Sentry internal integration's webhooks. Sentry signs
 * each body with the integration's client secret (`Sentry-Hook-Signature`); several secrets are
 * accepted while one is being rotated. Unless `enabled` is written, the route is on exactly when
 * a secret is set. (`integrations.sentry` is the other direction: reporting to Sentry by DSN.)
 */
export const SentryInbound = z
  .strictObject({
    enabled: flag.optional(),
    client_secret: oneOrMore(secret).optional(),
    /** The incident's severity when the event has no level Threadline knows. */
    severity: fallbackSeverity,
  })
  .superRefine((block, ctx) => {
    if (block.enabled === true && !block.client_secret)
      ctx.addIssue({
        code: 'custom',
        path: ['client_secret'],
        message: 'is required while POST /hooks/sentry is enabled (or inbound.sentry.enabled: false)',
      });
  })
  .transform(({ enabled, client_secret, severity }) => ({
    enabled: enabled ?? Boolean(client_secret),
    // Kept under its own name: the config's secrets are found by key name (src/config/secrets.ts).
    client_secret: client_secret ?? [],
    severity,
  }));

export type SentryInboundConfig = z.output<typeof SentryInbound>;

export const SENTRY_INBOUND_OFF: SentryInboundConfig = {
  enabled: false,
  client_secret: [],
  severity: 'error',
};
