import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import { digestCard, eventHeadline, eventSubject, notificationCard } from '../../../cards/notification.js';
import type { Card } from '../../core/card.js';
import { RateLimitedError, ValidationError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import { renderDiscord } from '../../platforms/discord/render.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { chatWebhookOptions, SubscribedConnector } from '../subscribed-connector.js';
import type { DiscordIntegrationConfig } from './schema.js';

const USER_AGENT = 'Threadline-Discord/1';
/** Used only when a 429 carries neither retry_after nor Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

/** Discord notifications through an execute-webhook URL. */
export class DiscordConnector extends SubscribedConnector {
  constructor(
    private readonly config: DiscordIntegrationConfig,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
  ) {
    super(chatWebhookOptions('discord', config, retryCount, timeoutMs));
  }

  deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    const content = `${eventHeadline(event)}: ${eventSubject(event)}`;
    return this.post(notificationCard(event), content, event.payload.timestamp);
  }

  deliverDigest(events: readonly StoredEvent[], _context: DeliveryContext): Promise<DeliveryReceipt> {
    const card = digestCard(events);
    return this.post(card, card.title, new Date().toISOString());
  }

  async check(): Promise<HealthResult> {
    if (!this.config.webhook_url) return { ok: false, detail: 'no webhook URL is configured' };
    return { ok: true, detail: `webhook configured; ${this.subscriptions} event(s)` };
  }

  private post(card: Card, content: string, timestamp: string): Promise<DeliveryReceipt> {
    return this.scrubbed(() => this.postOnce(card, content, timestamp));
  }

  private async postOnce(card: Card, content: string, timestamp: string): Promise<DeliveryReceipt> {
    if (!this.config.webhook_url) throw new ValidationError('Discord has no webhook URL configured');
    const url = new URL(this.config.webhook_url);
    // wait=true makes Discord confirm the message (and return its id) instead of answering 204 blind.
    url.searchParams.set('wait', 'true');
    const message: RESTPostAPIWebhookWithTokenJSONBody = renderDiscord(card, {
      content,
      timestamp,
      username: this.config.username,
      avatarUrl: this.config.avatar_url,
    });
    const response = await this.http.sendJson({
      url: url.href,
      headers: { 'content-type': 'application/json' },
      json: message,
      userAgent: USER_AGENT,
      timeoutMs: this.timeoutMs,
    });
    raiseForRateLimit(response);
    raiseForStatus(response, 'the Discord webhook', 'integrations.discord.webhook_url (DISCORD_WEBHOOK_URL)');
    const id = messageId(response.body);
    return { reference: id, summary: `posted to Discord via webhook${id ? ` (message ${id})` : ''}` };
  }
}

/**
 * Discord's 429 body has `retry_after` in (fractional) seconds, more precise than the
 * Retry-After header; a global limit says so in the body too.
 */
function raiseForRateLimit(response: HttpResponse): void {
  if (response.status !== 429) return;
  let bodyWait: number | undefined;
  let global = false;
  try {
    const parsed = JSON.parse(response.body) as { retry_after?: unknown; global?: unknown };
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) {
      bodyWait = Math.ceil(parsed.retry_after * 1000);
    }
    global = parsed.global === true;
  } catch {
    // Cloudflare-level 429s come as HTML; the header still applies.
  }
  const wait = bodyWait ?? retryAfterMs(response.headers['retry-after']) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
  throw new RateLimitedError(
    `the Discord webhook is rate limited${global ? ' (global)' : ''}; retry after ${wait} ms`,
    wait,
  );
}

function messageId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}
