import { defineConnector, missingKeys } from '../definition.js';
import { OpsgenieIntegration } from './schema.js';

/** Validated today, not delivered yet: paging arrives in step 4. */
export const opsgenieConnector = defineConnector({
  name: 'opsgenie',
  schema: OpsgenieIntegration,
  environment: { api_key: 'OPSGENIE_API_KEY' },
  requires: (block) => missingKeys(block, { api_key: 'set OPSGENIE_API_KEY' }),
  arrives: 'paging, step 4',
});
