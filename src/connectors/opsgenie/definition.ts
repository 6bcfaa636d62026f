import { defineConnector, deliveryLimits, missingKeys } from '../definition.js';
import { OpsgenieConnector } from './opsgenie.connector.js';
import { OpsgenieIntegration } from './schema.js';

/** Opsgenie: Alert API alerts from `alert_on` events and the incident workflow's Pager calls. */
export const opsgenieConnector = defineConnector({
  name: 'opsgenie',
  schema: OpsgenieIntegration,
  environment: { api_key: 'OPSGENIE_API_KEY' },
  requires: (block) => missingKeys(block, { api_key: 'set OPSGENIE_API_KEY' }),
  create(block, context) {
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new OpsgenieConnector(block, context.http, retryCount, timeoutMs, context.redis)];
  },
});
