import { defineConnector, deliveryLimits, missingKeys } from '../definition.js';
import { MsProjectIntegration } from './schema.js';

/** Microsoft Planner / Project for the web through Graph: one task per spec, kept in step by spec events. */
export const msProjectConnector = defineConnector({
  name: 'ms_project',
  schema: MsProjectIntegration,
  environment: {},
  requires: (block) => missingKeys(block, { client_secret: 'set the app client secret' }),
  async create(block, context) {
    const { client_secret } = block;
    // requires() has reported it; a block without it never reaches here in a valid config.
    if (!client_secret) return [];
    const [{ MsProjectTracker }, { ticketingConnector }] = await Promise.all([
      import('./ms-project.tracker.js'),
      import('../ticketing/for-integration.js'),
    ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const tracker = new MsProjectTracker({ ...block, client_secret }, context.http, timeoutMs);
    return [
      ticketingConnector({
        integration: 'ms_project',
        tracker,
        context,
        secrets: [client_secret],
        retryCount,
        timeoutMs,
      }),
    ];
  },
});
