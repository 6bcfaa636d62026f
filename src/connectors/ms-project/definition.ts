import { defineConnector, missingKeys } from '../definition.js';
import { MsProjectIntegration } from './schema.js';

/** Validated today, not delivered yet: ticketing arrives in step 3. */
export const msProjectConnector = defineConnector({
  name: 'ms_project',
  schema: MsProjectIntegration,
  environment: {},
  requires: (block) => missingKeys(block, { client_secret: 'set the app client secret' }),
  arrives: 'ticketing, step 3',
});
