import { digestCard, notificationCard } from '../../../cards/notification.js';
import type { Card } from '../../core/card.js';
import { RateLimitedError, ValidationError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import { renderAdaptiveCard, renderTeamsText } from '../../platforms/teams/render.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { chatWebhookOptions, SubscribedConnector } from '../subscribed-connector.js';
import type { TeamsIntegrationConfig } from './schema.js';

const USER_AGENT = 'Threadline-Teams/1';
/** Teams' throttling answer carries no Retry-After; its documented window is a few seconds. */
const DEFAULT_THROTTLE_WAIT_MS = 5_000;
const THROTTLED_BODY = /Microsoft Teams endpoint returned HTTP error 429/i;

/**
 * Teams notifications through an incoming webhook (an Office 365 connector URL or a Power
 * Automate "post to a channel when a webhook request is received" workflow).
 */
export class TeamsConnector extends SubscribedConnector {
  constructor(
    private readonly config: TeamsIntegrationConfig,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
  ) {
    super(chatWebhookOptions('teams', config, retryCount, timeoutMs));
  }

  deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    return this.post(notificationCard(event));
  }

  deliverDigest(events: readonly StoredEvent[], _context: DeliveryContext): Promise<DeliveryReceipt> {
    return this.post(digestCard(events));
  }

  async check(): Promise<HealthResult> {
    if (!this.config.webhook_url) return { ok: false, detail: 'no webhook URL is configured' };
    const format = this.config.use_adaptive_cards ? 'Adaptive Cards' : 'plain text';
    return { ok: true, detail: `webhook configured (${format}); ${this.subscriptions} event(s)` };
  }

  private post(card: Card): Promise<DeliveryReceipt> {
    return this.scrubbed(() => this.postOnce(card));
  }

  private async postOnce(card: Card): Promise<DeliveryReceipt> {
    const url = this.config.webhook_url;
    if (!url) throw new ValidationError('Teams has no webhook URL configured');
    const message = this.config.use_adaptive_cards ? renderAdaptiveCard(card) : renderTeamsText(card);
    const response = await this.http.sendJson({
      url,
      json: message,
      userAgent: USER_AGENT,
      timeoutMs: this.timeoutMs,
    });
    raiseForStatus(response, 'the Teams webhook', 'integrations.teams.webhook_url (TEAMS_WEBHOOK_URL)');
    raiseForThrottling(response);
    return { summary: `posted to Teams via webhook (${response.status})` };
  }
}

/** Office 365 connectors report throttling as HTTP 200 with the real status in the body. */
function raiseForThrottling(response: HttpResponse): void {
  if (!THROTTLED_BODY.test(response.body)) return;
  const wait = retryAfterMs(response.headers['retry-after']) ?? DEFAULT_THROTTLE_WAIT_MS;
  throw new RateLimitedError(`the Teams webhook is throttling (429); retry after ${wait} ms`, wait);
}
