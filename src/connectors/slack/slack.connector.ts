import type { SlackIntegrationConfig, ThreadlineConfig } from '../../config/schema.js';
import type { Card } from '../../core/card.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../core/errors.js';
import type { EventName } from '../../core/events.js';
import type { StoredEvent } from '../../events/payload.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import { scrubError, urlSecrets } from '../../security/escape.js';
import type { Connector, DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { digestCard, isFailure, notificationCard } from '../notification-card.js';
import { renderSlack } from './render.js';

type SlackPlatformConfig = NonNullable<ThreadlineConfig['platforms']['slack']>;

const USER_AGENT = 'Threadline-Slack/1';
/** Slack sends Retry-After with every 429; this only covers an `ok:false` "ratelimited" without one. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'token_expired',
]);
const NOT_FOUND_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

interface BotRoute {
  kind: 'bot';
  url: string;
  token: string;
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
export class SlackConnector implements Connector {
  readonly key = 'slack';
  readonly integration = 'slack' as const;
  readonly humanFacing = true;
  private readonly events: ReadonlySet<EventName>;
  private readonly route: BotRoute | WebhookRoute | undefined;
  private readonly secrets: string[];

  constructor(
    private readonly config: SlackIntegrationConfig,
    platform: SlackPlatformConfig | undefined,
    private readonly http: HttpClient,
    readonly retryCount: number,
    readonly timeoutMs: number,
  ) {
    this.events = new Set(config.notify_on);
    if (platform?.bot_token && config.channel) {
      const base = platform.api_url.endsWith('/') ? platform.api_url : `${platform.api_url}/`;
      this.route = {
        kind: 'bot',
        url: `${base}chat.postMessage`,
        token: platform.bot_token,
        channel: config.channel,
      };
    } else if (config.webhook_url) {
      this.route = { kind: 'webhook', url: config.webhook_url };
    }
    this.secrets = [
      ...(config.webhook_url ? urlSecrets(config.webhook_url) : []),
      ...(platform?.bot_token ? [platform.bot_token] : []),
    ];
  }

  accepts(event: EventName): boolean {
    return this.events.has(event);
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
    return { ok: true, detail: `${detail}; ${this.events.size} event(s)` };
  }

  private async post(card: Card): Promise<DeliveryReceipt> {
    try {
      return await this.postOnce(card);
    } catch (error) {
      throw scrubError(error, this.secrets);
    }
  }

  private async postOnce(card: Card): Promise<DeliveryReceipt> {
    const route = this.route;
    if (!route) throw new ValidationError('Slack has neither a webhook URL nor a bot token with a channel');
    const message = renderSlack(card);
    if (route.kind === 'webhook') {
      const response = await this.send(route.url, {}, message);
      raiseForStatus(response, 'the Slack incoming webhook');
      return { summary: `posted to Slack via incoming webhook (${response.status})` };
    }
    const body = { channel: route.channel, ...message, unfurl_links: false, unfurl_media: false };
    const response = await this.send(route.url, { authorization: `Bearer ${route.token}` }, body);
    raiseForStatus(response, 'Slack chat.postMessage');
    const result = parseApiResponse(response);
    return {
      reference: result.ts,
      summary: `posted to Slack ${route.channel} via chat.postMessage${result.ts ? ` (ts ${result.ts})` : ''}`,
    };
  }

  private send(url: string, headers: Record<string, string>, body: unknown): Promise<HttpResponse> {
    return this.http.send({
      url,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT },
      body: JSON.stringify(body),
      timeoutMs: this.timeoutMs,
    });
  }
}

/** Slack's Web API answers HTTP 200 even for failures; the verdict is in `ok` and `error`. */
export function parseApiResponse(response: HttpResponse): { ts?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new TransientError(
      `Slack chat.postMessage answered ${response.status} with a body that is not JSON`,
    );
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw new TransientError('Slack chat.postMessage answered with an unexpected body');
  }
  const result = parsed as { ok?: unknown; error?: unknown; ts?: unknown };
  if (result.ok === true) return { ts: typeof result.ts === 'string' ? result.ts : undefined };
  const error = typeof result.error === 'string' ? result.error.slice(0, 100) : 'unknown_error';
  const what = `Slack chat.postMessage failed: ${error}`;
  if (error === 'ratelimited' || error === 'rate_limited') {
    const wait = retryAfterMs(response.headers['retry-after']) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    throw new RateLimitedError(`${what}; retry after ${wait} ms`, wait);
  }
  if (AUTH_ERRORS.has(error)) throw new AuthError(`${what} (check platforms.slack.bot_token)`);
  if (NOT_FOUND_ERRORS.has(error)) {
    throw new NotFoundError(`${what} (check integrations.slack.channel and that the bot is invited)`);
  }
  if (TRANSIENT_ERRORS.has(error)) throw new TransientError(what);
  throw new ValidationError(what);
}
