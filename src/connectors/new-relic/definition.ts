import { defineConnector, missingKeys } from '../definition.js';
import { NewRelicIntegration } from './schema.js';

/** Validated today, not delivered yet: observability arrives in step 4. */
export const newRelicConnector = defineConnector({
  name: 'new_relic',
  schema: NewRelicIntegration,
  environment: { api_key: 'NEW_RELIC_API_KEY' },
  requires: (block) => missingKeys(block, { api_key: 'set NEW_RELIC_API_KEY' }),
  arrives: 'observability, step 4',
});
