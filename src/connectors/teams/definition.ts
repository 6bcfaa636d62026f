import { chatThreadFor } from '../chat-thread/for-integration.js';
import { defineConnector, deliveryLimits, requiredKey } from '../definition.js';
import { TeamsIntegration } from './schema.js';
import { TeamsConnector } from './teams.connector.js';

export const teamsConnector = defineConnector({
  name: 'teams',
  schema: TeamsIntegration,
  environment: { webhook_url: 'TEAMS_WEBHOOK_URL' },
  requires(block, { platforms }) {
    if (block.webhook_url || (platforms.teams?.enabled && block.conversation_id)) return [];
    return [
      requiredKey(
        'webhook_url',
        'set TEAMS_WEBHOOK_URL, or enable platforms.teams and set integrations.teams.conversation_id',
      ),
    ];
  },
  create(block, context) {
    if (context.platforms.teams?.enabled && block.conversation_id)
      return [chatThreadFor('teams', block.conversation_id, block, context)];
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new TeamsConnector(block, context.http, retryCount, timeoutMs)];
  },
});
