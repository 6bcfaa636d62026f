import type { PagerHookDependencies } from '../../connectors/paging/inbound.js';
import type { RedisClient } from '../../core/redis-client.js';
import type { IncidentChannelCards } from './alert-groups.js';

/** What every alert source's route needs: the event sink, Redis, and the incident channels. */
export interface SourceHookDependencies extends PagerHookDependencies {
  redis: RedisClient;
  prefix: string;
  /**
   * The incident channels (`incidents.channels`) of this process's chat, read when a group opens
   * or resolves its incident: chat is assembled after the routes, and absent without a platform.
   */
  incidentChannels?: () => IncidentChannelCards | undefined;
}
