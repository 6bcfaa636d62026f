import { defineConnector, missingKeys } from '../definition.js';
import { DatadogIntegration } from './schema.js';

/** Validated today, not delivered yet: observability arrives in step 4. */
export const datadogConnector = defineConnector({
  name: 'datadog',
  schema: DatadogIntegration,
  environment: { api_key: 'DATADOG_API_KEY', app_key: 'DATADOG_APP_KEY' },
  requires: (block) => missingKeys(block, { api_key: 'set DATADOG_API_KEY' }),
  arrives: 'observability, step 4',
});
