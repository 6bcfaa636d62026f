import { chatThreadFor } from '../chat-thread/for-integration.js';
import { defineConnector, deliveryLimits, requiredKey } from '../definition.js';
import { SlackIntegration } from './schema.js';

export const slackConnector = defineConnector({
  name: 'slack',
  schema: SlackIntegration,
  environment: { webhook_url: 'SLACK_WEBHOOK_URL' },
  requires(block, { platforms }) {
    const botPath = Boolean(platforms.slack?.bot_token && block.channel);
    if (block.webhook_url || botPath) return [];
    return [
      requiredKey(
        'webhook_url',
        'set SLACK_WEBHOOK_URL, or platforms.slack.bot_token together with integrations.slack.channel',
      ),
    ];
  },
  async create(block, context) {
    const platform = context.platforms.slack;
    if (platform?.enabled && platform.bot_token && block.channel)
      return [chatThreadFor('slack', block.channel, block, context, block.mention_on_failure)];
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    // Imported here: it brings @slack/web-api, which a config without Slack should not load.
    const { SlackConnector } = await import('./slack.connector.js');
    return [new SlackConnector(block, platform, context.http, retryCount, timeoutMs)];
  },
});
