import { ThreadlineError, TransientError } from '../../core/errors.js';
import { type HttpClient, raiseForStatus } from '../../net/http-client.js';

/** The part of axios's request config that jira.js fills in and our adapter reads. */
interface AdapterRequest {
  baseURL?: string;
  url?: string;
  method?: string;
  params?: Record<string, unknown>;
  paramsSerializer?:
    | ((params: Record<string, unknown>) => string)
    | { serialize?: (params: Record<string, unknown>) => string };
  headers?: { toJSON?: () => Record<string, unknown> } | Record<string, unknown>;
  data?: unknown;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/**
 * axios's adapter for jira.js: every request jira.js builds is sent by our HttpClient, so it gets
 * the SSRF guard, the keep-alive pool, no redirects and the connector's deadline. A status other
 * than 2xx leaves as one of our error kinds (raiseForStatus, a 401 naming `credentials`, the
 * settings to check), before jira.js or axios see it.
 */
export function jiraAdapter(http: HttpClient, timeoutMs: number, credentials: string) {
  return async (config: AdapterRequest) => {
    const method = (config.method ?? 'get').toUpperCase();
    if (!(METHODS as readonly string[]).includes(method))
      throw new TransientError(`jira.js asked for an unsupported method ${method}`);
    const response = await http.send({
      url: requestUrl(config),
      method: method as Method,
      headers: headerRecord(config.headers),
      body: typeof config.data === 'string' ? config.data : undefined,
      timeoutMs,
    });
    raiseForStatus(response, 'Jira', credentials);
    return {
      data: response.body,
      status: response.status,
      statusText: String(response.status),
      headers: response.headers,
      config,
      request: {},
    };
  };
}

function requestUrl(config: AdapterRequest): string {
  const base = (config.baseURL ?? '').replace(/\/+$/, '');
  const path = (config.url ?? '').replace(/^\/+/, '');
  const url = /^https?:\/\//i.test(config.url ?? '') ? (config.url ?? '') : `${base}/${path}`;
  const params = config.params ?? {};
  const serializer = config.paramsSerializer;
  const serialize = typeof serializer === 'function' ? serializer : serializer?.serialize;
  const query = serialize
    ? serialize(params)
    : new URLSearchParams(
        Object.entries(params)
          .filter(([, v]) => v !== undefined && v !== null)
          .map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
  return query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

function headerRecord(headers: AdapterRequest['headers']): Record<string, string> {
  const plain =
    headers && typeof headers.toJSON === 'function'
      ? headers.toJSON()
      : ((headers ?? {}) as Record<string, unknown>);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(plain)) {
    if (value === undefined || value === null || value === false) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/**
 * jira.js wraps whatever the adapter threw in its HttpException (the original as `response` or
 * `cause`); this finds our error again, and maps anything else as a failure worth retrying.
 */
export function unwrapJiraError(error: unknown, what: string): Error {
  if (error instanceof ThreadlineError) return error;
  if (typeof error === 'object' && error !== null) {
    for (const inner of [Reflect.get(error, 'response'), Reflect.get(error, 'cause')]) {
      if (inner instanceof ThreadlineError) return inner;
    }
  }
  return new TransientError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}
