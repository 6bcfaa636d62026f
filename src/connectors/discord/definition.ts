import { chatThreadFor } from '../chat-thread/for-integration.js';
import { defineConnector, deliveryLimits, requiredKey } from '../definition.js';
import { DiscordConnector } from './discord.connector.js';
import { DiscordIntegration } from './schema.js';

export const discordConnector = defineConnector({
  name: 'discord',
  schema: DiscordIntegration,
  environment: { webhook_url: 'DISCORD_WEBHOOK_URL' },
  requires(block, { platforms }) {
    if (block.webhook_url || (platforms.discord?.enabled && block.channel_id)) return [];
    return [
      requiredKey(
        'webhook_url',
        'set DISCORD_WEBHOOK_URL, or enable platforms.discord and set integrations.discord.channel_id',
      ),
    ];
  },
  create(block, context) {
    if (context.platforms.discord?.enabled && block.channel_id)
      return [chatThreadFor('discord', block.channel_id, block, context)];
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new DiscordConnector(block, context.http, retryCount, timeoutMs)];
  },
});
