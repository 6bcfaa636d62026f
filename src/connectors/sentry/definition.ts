import { ConfigError } from '../../core/errors.js';
import { defineConnector, deliveryLimits, requiredKey } from '../definition.js';
import { DSN_FORMAT, parseDsn } from './dsn.js';
import { SentryIntegration } from './schema.js';
import { SentryConnector } from './sentry.connector.js';

/** `report_on` events as Sentry events, addressed by the DSN. */
export const sentryConnector = defineConnector({
  name: 'sentry',
  schema: SentryIntegration,
  environment: { dsn: 'SENTRY_DSN' },
  requires(block) {
    if (!block.dsn) return [requiredKey('dsn', 'set SENTRY_DSN')];
    // The DSN is a secret: the problem names its expected form, never the value.
    if (!parseDsn(block.dsn))
      return [{ path: 'dsn', message: `is not a Sentry DSN (expected ${DSN_FORMAT})` }];
    return [];
  },
  create(block, context) {
    if (!block.dsn) throw new ConfigError([requiredKey('integrations.sentry.dsn', 'set SENTRY_DSN')]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new SentryConnector({ ...block, dsn: block.dsn }, context.http, retryCount, timeoutMs)];
  },
});
