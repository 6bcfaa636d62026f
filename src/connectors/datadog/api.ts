import { AuthError, RateLimitedError } from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus } from '../../net/http-client.js';

export const USER_AGENT = 'Threadline-Datadog/1';

/** What an operator checks when Datadog refuses the key. */
export const API_KEY_SETTING = 'integrations.datadog.api_key (DATADOG_API_KEY)';

/** Datadog's 429s carry no Retry-After, only the X-RateLimit-* family; used when even that is missing. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 10_000;

/**
 * The API root for a site: `api.<site>` for every Datadog site (datadoghq.com, datadoghq.eu,
 * us3.datadoghq.com, us5…, ap1…, ddog-gov.com), unless `api_url` points elsewhere (a proxy, a
 * test server).
 */
export function datadogBaseUrl(block: { site: string; api_url?: string }): string {
  const base = block.api_url ?? `https://api.${block.site}`;
  return base.replace(/\/+$/, '');
}

export interface DatadogApi {
  readonly http: HttpClient;
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

/** One JSON call to Datadog with the API key, its answer mapped to our error kinds. */
export async function callDatadog(
  api: DatadogApi,
  request: { method: 'GET' | 'POST'; path: string; json?: unknown },
  what: string,
): Promise<HttpResponse> {
  const headers = { 'dd-api-key': api.apiKey, accept: 'application/json' };
  const url = `${api.baseUrl}${request.path}`;
  const response =
    request.json === undefined
      ? await api.http.send({
          url,
          method: request.method,
          headers: { ...headers, 'user-agent': USER_AGENT },
          timeoutMs: api.timeoutMs,
        })
      : await api.http.sendJson({
          url,
          method: request.method,
          headers,
          json: request.json,
          userAgent: USER_AGENT,
          timeoutMs: api.timeoutMs,
        });
  raiseForRateLimit(response, what);
  raiseForStatus(response, what, API_KEY_SETTING);
  return response;
}

/**
 * Datadog answers a rate limit with 429 and `X-RateLimit-Reset`, the seconds until its window
 * resets; a Retry-After, should a proxy add one, is honoured by raiseForStatus.
 */
function raiseForRateLimit(response: HttpResponse, what: string): void {
  if (response.status !== 429 || response.headers['retry-after'] !== undefined) return;
  const raw = response.headers['x-ratelimit-reset'];
  const reset = Number(Array.isArray(raw) ? raw[0] : raw);
  const wait = Number.isFinite(reset) && reset >= 0 ? Math.ceil(reset * 1000) : DEFAULT_RATE_LIMIT_WAIT_MS;
  const name = response.headers['x-ratelimit-name'];
  throw new RateLimitedError(
    `${what} is rate limited${typeof name === 'string' ? ` (${name})` : ''}; retry after ${wait} ms`,
    wait,
  );
}

/**
 * `GET /api/v1/validate`: Datadog says whether the API key is valid, without sending data. Throws
 * the mapped error when Datadog refuses or cannot be reached; the caller scrubs it.
 */
export async function validateApiKey(api: DatadogApi): Promise<string> {
  const response = await callDatadog(api, { method: 'GET', path: '/api/v1/validate' }, 'Datadog');
  let valid = false;
  try {
    valid = (JSON.parse(response.body) as { valid?: unknown }).valid === true;
  } catch {
    // Not Datadog's JSON (a proxy's page): the key is not confirmed.
  }
  if (!valid) throw new AuthError(`Datadog did not confirm the API key; check ${API_KEY_SETTING}`);
  return `API key valid at ${new URL(api.baseUrl).host}`;
}
