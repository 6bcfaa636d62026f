import { defineConnector, deliveryLimits, missingKeys } from '../definition.js';
import { PagerDutyConnector } from './pagerduty.connector.js';
import { PagerDutyIntegration } from './schema.js';

/** PagerDuty: Events API v2 pages from `alert_on` events and the incident workflow's Pager calls. */
export const pagerDutyConnector = defineConnector({
  name: 'pagerduty',
  schema: PagerDutyIntegration,
  environment: { routing_key: 'PAGERDUTY_ROUTING_KEY', api_token: 'PAGERDUTY_API_TOKEN' },
  requires: (block) => missingKeys(block, { routing_key: 'set PAGERDUTY_ROUTING_KEY' }),
  create(block, context) {
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new PagerDutyConnector(block, context.http, retryCount, timeoutMs, context.redis)];
  },
});
