import { defineConnector, missingKeys } from '../definition.js';
import { LinearIntegration } from './schema.js';

/** Validated today, not delivered yet: ticketing arrives in step 3. */
export const linearConnector = defineConnector({
  name: 'linear',
  schema: LinearIntegration,
  environment: { api_key: 'LINEAR_API_KEY' },
  requires: (block) => missingKeys(block, { api_key: 'set LINEAR_API_KEY' }),
  arrives: 'ticketing, step 3',
});
