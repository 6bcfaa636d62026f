import type { PlatformDependencies, PlatformModule } from '../chat-platform.js';
import {
  createBotAuthentication,
  MESSAGES_PATH,
  registerTeamsRoute,
  TeamsAdapter,
  TeamsIngress,
} from './adapter.js';
import { BotConnectorClient, BotTokens } from './client.js';
import { TeamsPlatform } from './platform.js';
import { ConversationReferences } from './references.js';
import { teamsSettings } from './settings.js';

/**
 * Microsoft Teams: botbuilder's CloudAdapter verifies and runs inbound activities at
 * POST /api/messages on the shared server; outbound messages go to the Bot Connector API.
 */
export function createTeamsModule(deps: PlatformDependencies): PlatformModule {
  const logger = deps.logger.child({ platform: 'teams' });
  const settings = teamsSettings(deps.config);
  const tokens = new BotTokens(deps.http, settings);
  const connector = new BotConnectorClient(deps.http, tokens, settings, logger);
  const references = new ConversationReferences(deps.redis, deps.prefix);
  const platform = new TeamsPlatform(connector, references);
  return {
    platform,
    registerRoutes(server, router) {
      const authentication = createBotAuthentication(settings);
      const adapter = new TeamsAdapter(authentication);
      adapter.onTurnError = async (_context, error) => {
        logger.error({ err: error }, 'Teams turn failed');
      };
      const ingress = new TeamsIngress({ router, platform, references, settings, logger });
      registerTeamsRoute(server, { adapter, authentication, ingress, logger });
      if (!settings.appId) {
        logger.warn(
          { path: MESSAGES_PATH },
          'Teams requests are accepted without authentication (no platforms.teams.app_id; development mode only)',
        );
      }
    },
  };
}
