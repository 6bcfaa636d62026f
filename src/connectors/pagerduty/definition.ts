import { defineConnector, missingKeys } from '../definition.js';
import { PagerDutyIntegration } from './schema.js';

/** Validated today, not delivered yet: paging arrives in step 4. */
export const pagerDutyConnector = defineConnector({
  name: 'pagerduty',
  schema: PagerDutyIntegration,
  environment: { routing_key: 'PAGERDUTY_ROUTING_KEY' },
  requires: (block) => missingKeys(block, { routing_key: 'set PAGERDUTY_ROUTING_KEY' }),
  arrives: 'paging, step 4',
});
