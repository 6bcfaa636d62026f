import { DiscordAPIError, HTTPError, RateLimitError, REST, type RESTOptions } from '@discordjs/rest';
import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  ThreadlineError,
  TransientError,
  ValidationError,
} from '../../core/errors.js';
import type { HttpClient } from '../../net/http-client.js';

type MakeRequest = RESTOptions['makeRequest'];
type ResponseLike = Awaited<ReturnType<MakeRequest>>;

/** A 429 that says to wait longer than this fails the call (RateLimitedError) instead of blocking it. */
export const MAX_INLINE_RATE_LIMIT_WAIT_MS = 10_000;
/** Used when a 429 carries neither a retry_after nor a Retry-After (a proxy's, not Discord's). */
const DEFAULT_RATE_LIMIT_WAIT_S = 1;
const REQUEST_TIMEOUT_MS = 10_000;

export interface DiscordRestOptions {
  /** platforms.discord.api_url, e.g. https://discord.com/api/v10. */
  apiUrl: string;
  botToken?: string;
  http: HttpClient;
  maxInlineWaitMs?: number;
}

/**
 * discord.js REST (route buckets, global limit, 429 handling) on top of our HttpClient, so the
 * SSRF guard, keep-alive pool and deadlines of every other outbound call apply to Discord too.
 * Short 429s are waited out by REST itself; long ones become RateLimitedError for the caller.
 */
export function createDiscordRest(options: DiscordRestOptions): REST {
  const rest = new REST(restOptions(options));
  if (options.botToken) rest.setToken(options.botToken);
  return rest;
}

/** Buckets of spent interaction tokens are dropped after a minute instead of an hour. */
const WEBHOOK_HANDLER_SWEEP_MS = 60_000;

/**
 * REST for the interaction webhooks (follow-ups, @original edits). Discord does not count these
 * routes against the bot's global 50 requests/s, but one REST counts every request it sends, so
 * they get a REST of their own without that limit. It has no bot token, so none can ever go out
 * on these routes. Per-route buckets (one per interaction token), X-RateLimit-* headers and 429s
 * are honoured exactly as on the bot's REST.
 */
export function createDiscordWebhookRest(options: Omit<DiscordRestOptions, 'botToken'>): REST {
  return new REST({
    ...restOptions(options),
    globalRequestsPerSecond: Number.POSITIVE_INFINITY,
    handlerSweepInterval: WEBHOOK_HANDLER_SWEEP_MS,
  });
}

function restOptions(options: Omit<DiscordRestOptions, 'botToken'>): Partial<RESTOptions> {
  const { api, version } = splitApiUrl(options.apiUrl);
  const maxWait = options.maxInlineWaitMs ?? MAX_INLINE_RATE_LIMIT_WAIT_MS;
  return {
    api,
    version,
    timeout: REQUEST_TIMEOUT_MS,
    retries: 2,
    userAgentAppendix: 'Threadline',
    makeRequest: makeRequestThrough(options.http),
    rejectOnRateLimit: (data) => Math.max(data.retryAfter, data.timeToReset) > maxWait,
  };
}

/** REST wants the API root and the version apart; the config holds them as one URL. */
export function splitApiUrl(url: string): { api: string; version: string } {
  const trimmed = url.replace(/\/+$/, '');
  const match = /^(.*)\/v(\d+)$/.exec(trimmed);
  return match ? { api: match[1]!, version: match[2]! } : { api: trimmed, version: '10' };
}

export function closeDiscordRest(rest: REST): void {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
}

function makeRequestThrough(http: HttpClient): MakeRequest {
  return async (url, init) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, key) => {
      headers[key] = value;
    });
    const response = await http.send({
      url,
      method: (init.method ?? 'GET').toUpperCase() as 'GET',
      headers,
      body: typeof init.body === 'string' ? init.body : undefined,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v);
      else if (value !== undefined) responseHeaders.set(key, value);
    }
    if (response.status === 429) preferPreciseRetryAfter(response.body, responseHeaders);
    return responseLike(response.status, responseHeaders, response.body);
  };
}

/**
 * Discord's 429 body has `retry_after` in fractional seconds; the Retry-After header is rounded
 * up to whole seconds. REST reads only the header, so the precise value is put there.
 */
function preferPreciseRetryAfter(body: string, headers: Headers): void {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown };
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) {
      headers.set('retry-after', String(parsed.retry_after));
      return;
    }
  } catch {
    // Cloudflare-level 429s come as HTML; the header (if any) still applies.
  }
  if (!headers.has('retry-after')) headers.set('retry-after', String(DEFAULT_RATE_LIMIT_WAIT_S));
}

function responseLike(status: number, headers: Headers, text: string): ResponseLike {
  const bytes = Buffer.from(text, 'utf8');
  return {
    body: null,
    bodyUsed: false,
    headers,
    status,
    statusText: String(status),
    ok: status >= 200 && status < 300,
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  } as unknown as ResponseLike;
}

/** The JSON error code (`RESTJSONErrorCodes`) of a failed Discord REST call. */
export function discordCode(error: unknown): number | undefined {
  return error instanceof DiscordAPIError && typeof error.code === 'number' ? error.code : undefined;
}

/**
 * One mapper for the Discord boundary: REST's errors become our kinds with a message a person can
 * act on. The URL (which holds interaction tokens) and request bodies are never carried over.
 */
export function mapDiscordError(error: unknown, what: string): Error {
  if (error instanceof ThreadlineError) return error;
  if (error instanceof RateLimitError) {
    const wait = Math.max(0, Math.ceil(Math.max(error.retryAfter, error.timeToReset)));
    return new RateLimitedError(
      `Discord rate limited ${what}${error.global ? ' (global limit)' : ''}; retry after ${wait} ms`,
      wait,
    );
  }
  if (error instanceof DiscordAPIError) {
    const detail = `Discord ${error.status}${typeof error.code === 'number' ? ` code ${error.code}` : ''}: ${error.message.split('\n')[0]}`;
    switch (error.code) {
      case RESTJSONErrorCodes.MissingAccess:
        return new ValidationError(
          `Threadline cannot see the Discord channel for ${what} (${detail}). Add the bot to that channel, or give it View Channel and Send Messages there.`,
        );
      case RESTJSONErrorCodes.MissingPermissions:
        return new ValidationError(
          `The Discord bot lacks a permission for ${what} (${detail}). It needs Send Messages, Embed Links, Send Messages in Threads and Create Public Threads.`,
        );
      case RESTJSONErrorCodes.UnknownChannel:
        return new NotFoundError(
          `The Discord channel for ${what} does not exist, or the bot is not in its server (${detail}).`,
        );
      case RESTJSONErrorCodes.UnknownMessage:
        return new NotFoundError(`The Discord message for ${what} no longer exists (${detail}).`);
      case RESTJSONErrorCodes.UnknownWebhook:
      case RESTJSONErrorCodes.InvalidWebhookToken:
      case RESTJSONErrorCodes.UnknownInteraction:
        return new NotFoundError(
          `The Discord interaction for ${what} has expired (tokens last 15 minutes) (${detail}).`,
        );
    }
    if (error.status === 401)
      return new AuthError(
        `Discord refused the bot token for ${what} (${detail}); check platforms.discord.bot_token.`,
      );
    if (error.status === 404)
      return new NotFoundError(`Discord could not find what ${what} refers to (${detail}).`);
    if (error.status === 408 || error.status === 409 || error.status === 425)
      return new TransientError(`Discord did not complete ${what} (${detail}).`);
    return new ValidationError(`Discord rejected ${what} (${detail}).`);
  }
  if (error instanceof HTTPError)
    return new TransientError(`Discord answered ${error.status} to ${what}; try again later.`);
  const message = error instanceof Error ? error.message : String(error);
  if (/Expected token to be set/.test(message))
    return new AuthError(`no usable Discord bot token for ${what}; check platforms.discord.bot_token.`);
  if (error instanceof Error && error.name === 'AbortError')
    return new TransientError(`Discord did not answer ${what} within ${REQUEST_TIMEOUT_MS} ms`);
  return new TransientError(`Discord request for ${what} failed: ${message}`);
}
