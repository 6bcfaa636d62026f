import { defineConnector, missingKeys } from '../definition.js';
import { SentryIntegration } from './schema.js';

/** Validated today, not delivered yet: observability arrives in step 4. */
export const sentryConnector = defineConnector({
  name: 'sentry',
  schema: SentryIntegration,
  environment: { dsn: 'SENTRY_DSN' },
  requires: (block) => missingKeys(block, { dsn: 'set SENTRY_DSN' }),
  arrives: 'observability, step 4',
});
