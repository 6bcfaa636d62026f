import { ConfigError } from '../../core/errors.js';
import { defineConnector, deliveryLimits, missingKeys, requiredKey } from '../definition.js';
import { NewRelicConnector } from './new-relic.connector.js';
import { NewRelicIntegration } from './schema.js';

/** Custom events through the New Relic Event API. */
export const newRelicConnector = defineConnector({
  name: 'new_relic',
  schema: NewRelicIntegration,
  environment: { api_key: 'NEW_RELIC_API_KEY' },
  requires: (block) => missingKeys(block, { api_key: 'set NEW_RELIC_API_KEY' }),
  create(block, context) {
    // Loading the config reports a missing key first; this guards a block built some other way.
    if (!block.api_key)
      throw new ConfigError([requiredKey('integrations.new_relic.api_key', 'set NEW_RELIC_API_KEY')]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new NewRelicConnector({ ...block, api_key: block.api_key }, context.http, retryCount, timeoutMs)];
  },
});
