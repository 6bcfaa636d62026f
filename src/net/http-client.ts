import { Agent, type Dispatcher, request, errors as undiciErrors } from 'undici';
import {
  AuthError,
  BlockedDestinationError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../core/errors.js';
import { safeUrl } from '../observability/redact.js';
import { assertAllowedUrl, guardedLookup } from './ssrf.js';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Outbound HTTP for every connector: a keep-alive pool per destination origin (undici's Agent
 * keeps one Pool per origin, up to `connections` sockets each), a deadline per request, no redirects,
 * and the SSRF guard on both the URL and the resolved address. Errors come out mapped to our
 * error kinds with the URL reduced to its origin, so nothing secret travels in a message.
 */
export class HttpClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: { allowPrivateNetworks: boolean; connections?: number }) {
    this.dispatcher = new Agent({
      connections: options.connections ?? 128,
      keepAliveTimeout: 10_000,
      connect: options.allowPrivateNetworks ? {} : { lookup: guardedLookup },
    });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new ValidationError('the destination URL is not valid');
    }
    assertAllowedUrl(url, this.options.allowPrivateNetworks);
    const where = safeUrl(req.url);
    try {
      const response = await request(url, {
        method: req.method ?? 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: this.dispatcher,
        // Both deadlines together bound the whole exchange without a timer per request.
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const body = await response.body.text();
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      throw mapNetworkError(error, where, req.timeoutMs);
    }
  }

  /** A JSON request: the body serialised and labelled (a caller's own content-type wins), and its user agent set. */
  sendJson(req: Omit<HttpRequest, 'body'> & { json: unknown; userAgent: string }): Promise<HttpResponse> {
    const { json, userAgent, headers, ...rest } = req;
    return this.send({
      ...rest,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers, 'user-agent': userAgent },
      body: JSON.stringify(json),
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function mapNetworkError(error: unknown, where: string, timeoutMs: number): Error {
  if (error instanceof BlockedDestinationError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof BlockedDestinationError) return cause;
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error as Error).name === 'TimeoutError' ||
    (error as Error).name === 'AbortError'
  ) {
    return new TransientError(`${where} did not answer within ${timeoutMs} ms`);
  }
  const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  return new TransientError(`request to ${where} failed${code ? ` (${code})` : ''}`);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unusable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Maps a provider's HTTP status to our error kinds. 408/409/425/429 and 5xx are worth another
 * try; other 4xx are permanent. `what` names the destination in words, never its URL;
 * `credentials` names the config key(s) an operator must check when 401/403 refuses them.
 */
export function raiseForStatus(response: HttpResponse, what: string, credentials?: string): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  const detail = describeBody(response.body);
  if (status === 429 || status === 503) {
    const wait = retryAfterMs(response.headers['retry-after']);
    if (wait !== undefined)
      throw new RateLimitedError(`${what} answered ${status}; retry after ${wait} ms`, wait);
    throw new TransientError(`${what} answered ${status}${detail}`);
  }
  if (status >= 300 && status < 400) {
    throw new BlockedDestinationError(`${what} answered ${status} (a redirect); redirects are not followed`);
  }
  if (status === 408 || status === 409 || status === 425 || status >= 500) {
    throw new TransientError(`${what} answered ${status}${detail}`);
  }
  if (status === 401 || status === 403)
    throw new AuthError(
      `${what} refused our credentials (${status})${detail}${credentials ? `; check ${credentials}` : ''}`,
    );
  if (status === 404 || status === 410) throw new NotFoundError(`${what} answered ${status}${detail}`);
  throw new ValidationError(`${what} rejected the request (${status})${detail}`);
}

/** A short, single-line excerpt of an error body; providers put the useful reason there. */
function describeBody(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return line === '' ? '' : `: ${line}`;
}
