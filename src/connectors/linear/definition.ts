import { defineConnector, deliveryLimits, missingKeys } from '../definition.js';
import { trackerPolling } from '../ticketing/polling-config.js';
import { LinearIntegration } from './schema.js';

/** Linear: spec events keep one issue per spec in step; the ticket commands use it too. */
export const linearConnector = defineConnector({
  name: 'linear',
  schema: LinearIntegration,
  environment: { api_key: 'LINEAR_API_KEY', webhook_secret: 'LINEAR_WEBHOOK_SECRET' },
  requires: (block) => missingKeys(block, { api_key: 'set LINEAR_API_KEY' }),
  async create(block, context) {
    const { api_key } = block;
    // requires() has reported it; a block without it never reaches here in a valid config.
    if (!api_key) return [];
    const [{ LinearTracker }, { ticketingConnector }] = await Promise.all([
      import('./linear.tracker.js'),
      import('../ticketing/for-integration.js'),
    ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const tracker = new LinearTracker({ ...block, api_key }, context.http, timeoutMs);
    return [
      ticketingConnector({
        integration: 'linear',
        tracker,
        context,
        secrets: [api_key, ...(block.webhook_secret ? [block.webhook_secret] : [])],
        retryCount,
        timeoutMs,
        polling: trackerPolling(block, 'integrations.linear.api_key (LINEAR_API_KEY)'),
      }),
    ];
  },
});
