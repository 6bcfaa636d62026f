import {
  type FetchFunction,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  ThreadlineError,
  TransientError,
  ValidationError,
} from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import type { Logger } from '../../observability/logger.js';
import { scrubError } from '../../security/escape.js';
import { slackLogger } from './logger.js';

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

const USER_AGENT = 'Threadline-Slack/1';
/** Slack sends Retry-After with every 429; this covers a `ratelimited` answer without one. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/** Slack's error codes are snake_case words; anything else in `error` is not Slack's answer. */
const ERROR_CODE = /^[a-z0-9_]{1,100}$/;

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

/** The Web API methods Threadline calls. */
export type SlackMethod = 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral';

export type SlackResult = Record<string, unknown> & { ok: true };

/**
 * The Web API through Slack's own WebClient, sent over our HTTP client (SSRF guard, deadline,
 * keep-alive) to `platforms.slack.api_url`. The client never retries or waits on its own: a 429
 * comes out at once as RateLimitedError, so the caller's pacing and queue decide. Every failure
 * comes out as one of our error kinds, with the token scrubbed.
 */
export class SlackApi {
  private readonly client: WebClient;

  constructor(
    private readonly http: HttpClient,
    apiUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    logger?: Logger,
  ) {
    this.client = new WebClient(token, {
      slackApiUrl: apiUrl,
      fetch: fetchThrough(http, timeoutMs),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // Method names only: a response_url or any other absolute URL never gets the bot token.
      allowAbsoluteUrls: false,
      headers: { 'User-Agent': USER_AGENT },
      logger: slackLogger(logger, 'slack-web-api'),
    });
  }

  get origin(): string {
    return new URL(this.client.slackApiUrl).origin;
  }

  async call(method: SlackMethod, body: Record<string, unknown>): Promise<SlackResult> {
    try {
      // apiCall throws for every answer but `ok: true`.
      return (await this.client.apiCall(method, body)) as SlackResult;
    } catch (error) {
      throw scrubError(slackError(method, error), [this.token]);
    }
  }

  /** A response_url (a short-lived webhook Slack hands out with each interaction): JSON, no token. */
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

/** WebClient's fetch, done by our HttpClient. WebClient sends form-encoded POSTs only. */
function fetchThrough(http: HttpClient, timeoutMs: number): FetchFunction {
  return async (url, init = {}) => {
    if (init.body !== undefined && typeof init.body !== 'string')
      throw new ValidationError('Threadline sends no file uploads to Slack');
    const response = await http.send({
      url: String(url),
      method: 'POST',
      headers: init.headers,
      body: init.body,
      timeoutMs,
    });
    return fetchResponse(String(url), response);
  };
}

function fetchResponse(url: string, response: HttpResponse): FetchResponse {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  if (response.status === 429) {
    // WebClient reads Retry-After only as whole seconds and gives up without one.
    const wait = retryAfterMs(headers.get('retry-after')) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    headers.set('retry-after', String(Math.ceil(wait / 1000)));
  }
  const fetchHeaders: FetchResponse['headers'] = {
    get: (name) => headers.get(name.toLowerCase()) ?? null,
    entries: () => headers.entries(),
  };
  const text = response.body;
  return {
    ok: response.status >= 200 && response.status < 300,
    status: response.status,
    statusText: String(response.status),
    url,
    headers: fetchHeaders,
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    arrayBuffer: async () => new TextEncoder().encode(text).buffer,
  };
}

/** One mapper for the Web API boundary: WebClient's errors become our kinds; no URL, no body. */
export function slackError(method: string, error: unknown): Error {
  const what = `Slack ${method}`;
  if (error instanceof ThreadlineError) return error;
  if (error instanceof WebAPIRequestError) {
    // Our HttpClient's own error (timeout, refused destination, reset), wrapped by WebClient.
    return error.original instanceof ThreadlineError
      ? error.original
      : new TransientError(`${what} failed before Slack answered`);
  }
  if (error instanceof WebAPIRateLimitedError) {
    const wait = error.retryAfter * 1000;
    return new RateLimitedError(`${what} was rate limited; retry after ${wait} ms`, wait);
  }
  if (error instanceof WebAPIHTTPError) {
    const response: HttpResponse = {
      status: error.statusCode,
      headers: error.headers,
      body: typeof error.body === 'string' ? error.body : '',
    };
    try {
      raiseForStatus(response, what);
    } catch (mapped) {
      return mapped as Error;
    }
    return new TransientError(`${what} answered ${error.statusCode} instead of 200`);
  }
  if (error instanceof WebAPIPlatformError) return platformError(what, error);
  return new TransientError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** Slack's Web API answers 200 even for failures; the verdict is in `ok` and `error`. */
function platformError(what: string, error: WebAPIPlatformError): Error {
  const code = typeof error.data.error === 'string' ? error.data.error : 'unknown_error';
  // WebClient puts a body it could not parse into `error`: a proxy's page, not a Slack result.
  if (!ERROR_CODE.test(code)) return new TransientError(`${what} answered with a body that is not JSON`);
  const hint = HINTS[code];
  const message = `${what} failed: ${code}${hint ? ` (${hint})` : ''}`;
  if (code === 'ratelimited' || code === 'rate_limited') {
    const seconds = error.data.response_metadata?.retryAfter;
    const wait = seconds === undefined ? DEFAULT_RATE_LIMIT_WAIT_MS : seconds * 1000;
    return new RateLimitedError(`${message}; retry after ${wait} ms`, wait);
  }
  if (AUTH_ERRORS.has(code)) return new AuthError(message);
  if (NOT_FOUND_ERRORS.has(code)) return new NotFoundError(message);
  if (TRANSIENT_ERRORS.has(code)) return new TransientError(message);
  return new ValidationError(message);
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
