import { AuthError, RateLimitedError, TransientError, ValidationError } from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import type { Logger } from '../../observability/logger.js';
import { DEFAULT_THROTTLE_WAIT_MS, MAX_INLINE_RETRY_WAIT_MS, MAX_THROTTLE_RETRIES } from './limits.js';
import { type TeamsSettings, tokenTenant } from './settings.js';

const USER_AGENT = 'Threadline-Teams/1';
/** Renew a little early so a token never expires between fetching it and using it. */
const EARLY_RENEWAL_MS = 5 * 60_000;

/** An outbound activity as the Bot Connector API takes it (only the fields we send). */
export interface OutboundActivity {
  type: 'message';
  id?: string;
  text?: string;
  textFormat?: 'markdown' | 'plain' | 'xml';
  replyToId?: string;
  attachments?: Array<{ contentType: string; content: unknown }>;
  entities?: Array<Record<string, unknown>>;
}

/**
 * OAuth client-credentials tokens for calls to the Bot Connector API, through our HttpClient.
 *
 * botbuilder would fetch these with MSAL, but MSAL refuses an authority that is not https and
 * first asks login.microsoftonline.com for instance discovery, so it can only ever talk to the
 * real AAD. This is the same documented request (POST {login}/{tenant}/oauth2/v2.0/token with
 * grant_type=client_credentials and scope https://api.botframework.com/.default), with the
 * SSRF guard, our deadline and our error kinds.
 */
export class BotTokens {
  private cached?: { token: string; renewAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly http: HttpClient,
    private readonly settings: TeamsSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined without an app id: development mode talks to the connector unauthenticated. */
  async get(): Promise<string | undefined> {
    if (!this.settings.appId) return undefined;
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const { appId, appPassword, loginUrl, oauthScope, timeoutMs } = this.settings;
    if (!appPassword)
      throw new AuthError('platforms.teams.app_password is not set, so no token can be fetched');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId ?? '',
      client_secret: appPassword,
      scope: `${oauthScope}/.default`,
    }).toString();
    const response = await this.http.send({
      url: `${loginUrl}/${encodeURIComponent(tokenTenant(this.settings))}/oauth2/v2.0/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT },
      body,
      timeoutMs,
    });
    // AAD answers a wrong app id or secret with 400/401 invalid_client: no retry can fix that.
    if (response.status === 400 || response.status === 401) {
      const code = jsonField(response.body, 'error') ?? `HTTP ${response.status}`;
      throw new AuthError(`the Bot Framework token endpoint refused the app credentials (${code})`);
    }
    raiseForStatus(response, 'the Bot Framework token endpoint');
    const token = jsonField(response.body, 'access_token');
    const expiresIn = Number(jsonField(response.body, 'expires_in') ?? 3600);
    if (!token) throw new TransientError('the Bot Framework token endpoint answered without an access_token');
    const lifetime = Math.max(60_000, expiresIn * 1000 - EARLY_RENEWAL_MS);
    this.cached = { token, renewAt: this.now() + lifetime };
    return token;
  }
}

function jsonField(body: string, field: string): string | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[field];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  } catch {
    return undefined;
  }
}

export interface ConnectorClientOptions {
  maxInlineWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The three Bot Connector operations Threadline needs, over REST: send to a conversation,
 * reply to an activity, update an activity. Errors come out as our kinds: 429 → RateLimitedError
 * (after waiting out short Retry-After values here), 401/403 → AuthError, 404 → NotFoundError.
 */
export class BotConnectorClient {
  private readonly maxInlineWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly http: HttpClient,
    private readonly tokens: BotTokens,
    private readonly settings: TeamsSettings,
    private readonly logger: Logger,
    options: ConnectorClientOptions = {},
  ) {
    this.maxInlineWaitMs = options.maxInlineWaitMs ?? MAX_INLINE_RETRY_WAIT_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** POST /v3/conversations/{conversationId}/activities; answers the new activity's id. */
  async sendToConversation(serviceUrl: string, conversationId: string, activity: OutboundActivity) {
    return this.call('POST', activityUrl(serviceUrl, conversationId), activity, 'send');
  }

  /** POST /v3/conversations/{conversationId}/activities/{activityId}. */
  async replyToActivity(
    serviceUrl: string,
    conversationId: string,
    activityId: string,
    activity: OutboundActivity,
  ) {
    return this.call(
      'POST',
      activityUrl(serviceUrl, conversationId, activityId),
      { ...activity, replyToId: activityId },
      'reply',
    );
  }

  /** PUT /v3/conversations/{conversationId}/activities/{activityId}. */
  async updateActivity(
    serviceUrl: string,
    conversationId: string,
    activityId: string,
    activity: OutboundActivity,
  ) {
    return this.call(
      'PUT',
      activityUrl(serviceUrl, conversationId, activityId),
      { ...activity, id: activityId },
      'update',
    );
  }

  private async call(
    method: 'POST' | 'PUT',
    url: string,
    activity: OutboundActivity,
    operation: string,
  ): Promise<{ id: string }> {
    const what = `the Teams connector (${operation})`;
    let refreshedToken = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get();
      const response = await this.http.sendJson({
        url,
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        json: activity,
        userAgent: USER_AGENT,
        timeoutMs: this.settings.timeoutMs,
      });
      if (response.status === 429) {
        const wait = retryAfterMs(response.headers['retry-after']) ?? DEFAULT_THROTTLE_WAIT_MS * 2 ** attempt;
        if (attempt < MAX_THROTTLE_RETRIES && wait <= this.maxInlineWaitMs) {
          this.logger.info({ operation, waitMs: wait }, 'Teams connector throttled; waiting as asked');
          await this.sleep(wait);
          continue;
        }
        throw new RateLimitedError(`${what} answered 429; retry after ${wait} ms`, wait);
      }
      // A token can be revoked or rotated before it expires: fetch a fresh one once.
      if (response.status === 401 && token && !refreshedToken) {
        refreshedToken = true;
        this.tokens.invalidate();
        continue;
      }
      raiseForStatus(response, what);
      return { id: resourceId(response) ?? activity.id ?? '' };
    }
  }
}

function resourceId(response: HttpResponse): string | undefined {
  if (response.body.trim() === '') return undefined;
  try {
    const id = (JSON.parse(response.body) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    throw new ValidationError('the Teams connector answered with a body that is not JSON');
  }
}

/**
 * `{serviceUrl}/v3/conversations/{id}/activities[/{activityId}]`. Service URLs end in a slash
 * or not (`https://smba.trafficmanager.net/amer/`); ids hold `:`, `@` and `;`, so they are encoded.
 */
export function activityUrl(serviceUrl: string, conversationId: string, activityId?: string): string {
  const base = serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`;
  const path = `v3/conversations/${encodeURIComponent(conversationId)}/activities${
    activityId ? `/${encodeURIComponent(activityId)}` : ''
  }`;
  return new URL(path, base).toString();
}
