import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import { scrubError } from '../../security/escape.js';

const USER_AGENT = 'Threadline-Slack/1';
/** Slack sends Retry-After with every 429; this covers a `ratelimited` answer without one. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
]);
const NOT_FOUND_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'thread_not_found',
  'user_not_found',
  'user_not_in_channel',
]);
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);
const HINTS: Record<string, string> = {
  channel_not_found: 'is the channel id right, and is the bot invited to it?',
  not_in_channel: 'invite the bot to the channel',
  invalid_auth: 'check platforms.slack.bot_token',
  not_authed: 'check platforms.slack.bot_token',
  missing_scope: 'the Slack app lacks a scope; reinstall it from the generated manifest',
};

export type SlackResult = Record<string, unknown> & { ok: true };

/**
 * The few Web API methods Threadline calls, sent through our HTTP client (SSRF guard, deadline,
 * keep-alive) to `platforms.slack.api_url`. Every failure comes out as one of our error kinds.
 */
export class SlackApi {
  private readonly base: string;

  constructor(
    private readonly http: HttpClient,
    apiUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {
    this.base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  }

  get origin(): string {
    return new URL(this.base).origin;
  }

  async call(method: string, body: Record<string, unknown>): Promise<SlackResult> {
    try {
      const response = await this.http.sendJson({
        url: `${this.base}${method}`,
        headers: { authorization: `Bearer ${this.token}` },
        json: body,
        userAgent: USER_AGENT,
        timeoutMs: this.timeoutMs,
      });
      return slackApiResult(method, response);
    } catch (error) {
      throw scrubError(error, [this.token]);
    }
  }

  /** A response_url (a short-lived webhook Slack hands out with each interaction): no token. */
  async respond(url: string, body: Record<string, unknown>): Promise<void> {
    const response = await this.http.sendJson({
      url,
      json: body,
      userAgent: USER_AGENT,
      timeoutMs: this.timeoutMs,
    });
    raiseForStatus(response, 'the Slack response_url');
    const text = response.body.trim();
    if (text.startsWith('{')) {
      const parsed = safeJson(text);
      if (parsed && parsed.ok === false)
        throw new NotFoundError(`the Slack response_url refused the message: ${String(parsed.error)}`);
    }
  }
}

/** Slack's Web API answers 200 even for failures; the verdict is in `ok` and `error`. */
export function slackApiResult(method: string, response: HttpResponse): SlackResult {
  const what = `Slack ${method}`;
  if (response.status === 429) {
    const wait = retryAfterMs(response.headers['retry-after']) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    throw new RateLimitedError(`${what} was rate limited; retry after ${wait} ms`, wait);
  }
  raiseForStatus(response, what);
  const parsed = safeJson(response.body);
  if (!parsed) throw new TransientError(`${what} answered ${response.status} with a body that is not JSON`);
  if (parsed.ok === true) return parsed as SlackResult;
  const error = typeof parsed.error === 'string' ? parsed.error.slice(0, 100) : 'unknown_error';
  const hint = HINTS[error];
  const message = `${what} failed: ${error}${hint ? ` (${hint})` : ''}`;
  if (error === 'ratelimited' || error === 'rate_limited') {
    const wait = retryAfterMs(response.headers['retry-after']) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    throw new RateLimitedError(`${message}; retry after ${wait} ms`, wait);
  }
  if (AUTH_ERRORS.has(error)) throw new AuthError(message);
  if (NOT_FOUND_ERRORS.has(error)) throw new NotFoundError(message);
  if (TRANSIENT_ERRORS.has(error)) throw new TransientError(message);
  throw new ValidationError(message);
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
