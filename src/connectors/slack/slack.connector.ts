import { digestCard, isFailure, notificationCard } from '../../../cards/notification.js';
import type { Card } from '../../core/card.js';
import { ValidationError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, raiseForStatus } from '../../net/http-client.js';
import { SlackApi } from '../../platforms/slack/client.js';
import { renderSlack } from '../../platforms/slack/render.js';
import { urlSecrets } from '../../security/escape.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import type { ChatPlatformSettings } from '../definition.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import type { SlackIntegrationConfig } from './schema.js';

type SlackPlatformConfig = NonNullable<ChatPlatformSettings['slack']>;

const USER_AGENT = 'Threadline-Slack/1';

interface BotRoute {
  kind: 'bot';
  api: SlackApi;
  channel: string;
}
interface WebhookRoute {
  kind: 'webhook';
  url: string;
}

/**
 * Slack notifications: chat.postMessage with the bot token when one and a channel are set
 * (it returns a message ts to thread on later), otherwise the incoming webhook.
 */
export class SlackConnector extends SubscribedConnector {
  private readonly route: BotRoute | WebhookRoute | undefined;

  constructor(
    private readonly config: SlackIntegrationConfig,
    platform: SlackPlatformConfig | undefined,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
  ) {
    super({
      key: 'slack',
      integration: 'slack',
      humanFacing: true,
      events: config.notify_on,
      secrets: [
        ...(config.webhook_url ? urlSecrets(config.webhook_url) : []),
        ...(platform?.bot_token ? [platform.bot_token] : []),
      ],
      retryCount,
      timeoutMs,
    });
    if (platform?.bot_token && config.channel) {
      this.route = {
        kind: 'bot',
        api: new SlackApi(http, platform.api_url, platform.bot_token, timeoutMs),
        channel: config.channel,
      };
    } else if (config.webhook_url) {
      this.route = { kind: 'webhook', url: config.webhook_url };
    }
  }

  deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    const mentions = isFailure(event) ? this.config.mention_on_failure : [];
    return this.post(notificationCard(event, { mentions }));
  }

  deliverDigest(events: readonly StoredEvent[], _context: DeliveryContext): Promise<DeliveryReceipt> {
    const mentions = events.some(isFailure) ? this.config.mention_on_failure : [];
    return this.post(digestCard(events, { mentions }));
  }

  async check(): Promise<HealthResult> {
    if (!this.route)
      return { ok: false, detail: 'neither a webhook URL nor a bot token with a channel is configured' };
    const detail =
      this.route.kind === 'bot' ? `chat.postMessage to ${this.route.channel}` : 'incoming webhook configured';
    return { ok: true, detail: `${detail}; ${this.subscriptions} event(s)` };
  }

  private post(card: Card): Promise<DeliveryReceipt> {
    return this.scrubbed(() => this.postOnce(card));
  }

  private async postOnce(card: Card): Promise<DeliveryReceipt> {
    const route = this.route;
    if (!route) throw new ValidationError('Slack has neither a webhook URL nor a bot token with a channel');
    const message = renderSlack(card);
    if (route.kind === 'webhook') {
      const response = await this.http.sendJson({
        url: route.url,
        json: message,
        userAgent: USER_AGENT,
        timeoutMs: this.timeoutMs,
      });
      raiseForStatus(
        response,
        'the Slack incoming webhook',
        'integrations.slack.webhook_url (SLACK_WEBHOOK_URL)',
      );
      return { summary: `posted to Slack via incoming webhook (${response.status})` };
    }
    const body = { channel: route.channel, ...message, unfurl_links: false, unfurl_media: false };
    const result = await route.api.call('chat.postMessage', body);
    const ts = typeof result.ts === 'string' ? result.ts : undefined;
    return {
      reference: ts,
      summary: `posted to Slack ${route.channel} via chat.postMessage${ts ? ` (ts ${ts})` : ''}`,
    };
  }
}
