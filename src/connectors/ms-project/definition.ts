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
    const [{ MsProjectTracker }, { ticketingConnector }, { PlanState }, { PlannerPoller }] =
      await Promise.all([
        import('./ms-project.tracker.js'),
        import('../ticketing/for-integration.js'),
        import('./plan-state.js'),
        import('./poller.js'),
      ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    // Redis connects after the registry is built: the state follows whichever client it has.
    let shared: { client: unknown; state: InstanceType<typeof PlanState> } | undefined;
    const state = () => {
      const redis = context.redis();
      if (!redis) return undefined;
      if (shared?.client !== redis.client)
        shared = {
          client: redis.client,
          state: new PlanState(redis.client, redis.prefix, block.plan_id, indexFreshMs(block.poll_interval)),
        };
      return shared.state;
    };
    const tracker = new MsProjectTracker({ ...block, client_secret }, context.http, timeoutMs, state);
    return [
      ticketingConnector({
        integration: 'ms_project',
        tracker,
        context,
        secrets: [client_secret],
        retryCount,
        timeoutMs,
        watch: (connector) =>
          new PlannerPoller({
            connector,
            tracker,
            state,
            chat: context.chat,
            intervalMs: block.poll_interval,
          }),
      }),
    ];
  },
});

/**
 * How long a whole-plan scan answers "no task" for a spec missing from it: a few polls, so a
 * poll that failed once does not send every create back to listing the plan; five minutes when
 * nothing polls, so a burst of creates shares one listing.
 */
function indexFreshMs(pollIntervalMs: number): number {
  return pollIntervalMs === 0 ? 300_000 : Math.max(3 * pollIntervalMs, 60_000);
}
