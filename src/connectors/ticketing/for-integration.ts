import type { ConnectorContext } from '../definition.js';
import { ProcessTicketLinks, RedisTicketLinks, type TicketLinks } from './links.js';
import { TrackerPollState } from './poll-state.js';
import { type TrackerPollSettings, TrackerStatusPoller } from './status-poll.js';
import { TicketingConnector, type TrackerWatch } from './ticketing.connector.js';
import { Tickets } from './tickets.js';
import type { TicketTracker } from './tracker.js';

/**
 * The one way a tracker integration becomes a connector: its tracker, the ticket links in the
 * process's Redis (looked up at delivery time, since Redis connects after the registry is built),
 * or in the process itself where there is no Redis (notify --direct).
 */
export function ticketingConnector(options: {
  integration: string;
  tracker: TicketTracker;
  context: ConnectorContext;
  secrets: readonly string[];
  retryCount: number;
  timeoutMs: number;
  watch?: (connector: TicketingConnector) => TrackerWatch;
  /** The status poll of a tracker whose webhooks may not reach us (`poll_interval`, `poll_resume_after`). */
  polling?: TrackerPollSettings;
}): TicketingConnector {
  const { context, timeoutMs } = options;
  const local = new ProcessTicketLinks();
  let shared: { client: unknown; links: TicketLinks } | undefined;
  const links = (): TicketLinks => {
    const redis = context.redis();
    if (!redis) return local;
    if (shared?.client !== redis.client)
      shared = { client: redis.client, links: new RedisTicketLinks(redis.client, redis.prefix) };
    return shared.links;
  };
  // Long enough for a search and a create at the deadline each, so the claim outlives the work.
  const tickets = new Tickets(options.tracker, links, Math.max(4 * timeoutMs, 10_000));
  const { polling } = options;
  const watch = polling ? statusPoll(options.tracker, context, polling) : options.watch;
  return new TicketingConnector({ ...options, tickets, links, chat: context.chat, watch });
}

function statusPoll(
  tracker: TicketTracker,
  context: ConnectorContext,
  polling: TrackerPollSettings,
): (connector: TicketingConnector) => TrackerWatch {
  let shared: { client: unknown; state: TrackerPollState } | undefined;
  const state = () => {
    const redis = context.redis();
    if (!redis) return undefined;
    if (shared?.client !== redis.client)
      shared = {
        client: redis.client,
        state: new TrackerPollState(redis.client, redis.prefix, tracker.system),
      };
    return shared.state;
  };
  return (connector) => new TrackerStatusPoller({ ...polling, connector, state, chat: context.chat });
}
