import { AuthError, RateLimitedError, ThreadlineError, TransientError } from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';

export const GITHUB_CREDENTIALS = 'integrations.github_projects.token (GITHUB_TOKEN)';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/** The part of fetch's init that Octokit passes (see @octokit/request's fetch wrapper). */
interface OctokitInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The `fetch` Octokit is given: every REST and GraphQL request it builds is sent by our
 * HttpClient, so it gets the SSRF guard, the keep-alive pool, no redirects and the connector's
 * deadline. A status other than 2xx leaves as one of our error kinds before Octokit sees it.
 */
export function githubFetch(http: HttpClient, timeoutMs: number) {
  return async (url: string | URL, init: OctokitInit = {}): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    if (!(METHODS as readonly string[]).includes(method))
      throw new TransientError(`Octokit asked for an unsupported method ${method}`);
    if (init.body !== undefined && typeof init.body !== 'string')
      throw new TransientError('Octokit sent a body that is not a string');
    const response = await http.send({
      url: String(url),
      method: method as Method,
      headers: init.headers ?? {},
      body: init.body,
      timeoutMs,
    });
    raiseForGitHub(response);
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    const empty = response.status === 204 || response.status === 205 || response.status === 304;
    return new Response(empty ? null : response.body, { status: response.status, headers });
  };
}

/**
 * GitHub says "rate limited" three ways: 429, or 403 with `x-ratelimit-remaining: 0` (primary
 * limit, wait until `x-ratelimit-reset`, epoch seconds), or 403 with `retry-after` (secondary
 * limit). All three wait; any other 401/403 is our token.
 */
export function raiseForGitHub(response: HttpResponse, now = Date.now()): void {
  const { status, headers } = response;
  if (status === 403 || status === 429) {
    const wait = retryAfterMs(headers['retry-after'], now) ?? resetWaitMs(headers, now);
    if (wait !== undefined)
      throw new RateLimitedError(`GitHub answered ${status} (rate limited); retry after ${wait} ms`, wait);
    if (status === 429) throw new TransientError('GitHub answered 429 (rate limited)');
  }
  raiseForStatus(response, 'GitHub', GITHUB_CREDENTIALS);
}

function resetWaitMs(headers: HttpResponse['headers'], now: number): number | undefined {
  const remaining = first(headers['x-ratelimit-remaining']);
  const reset = Number(first(headers['x-ratelimit-reset']));
  if (remaining !== '0' || !Number.isFinite(reset) || reset <= 0) return undefined;
  return Math.max(1_000, reset * 1_000 - now);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** GraphQL reports problems with status 200 and typed `errors`; these are the ones we map. */
interface GraphqlProblem {
  type?: string;
  message?: string;
}

/**
 * Octokit wraps whatever our fetch threw in its RequestError (the original as `cause`); this
 * finds our error again. GraphQL's own errors (HTTP 200) are mapped by their `type`.
 */
export function unwrapGitHubError(
  error: unknown,
  what: string,
  kinds: { notFound: (m: string) => Error; invalid: (m: string) => Error },
): Error {
  if (error instanceof ThreadlineError) return error;
  if (typeof error === 'object' && error !== null) {
    const cause = Reflect.get(error, 'cause');
    if (cause instanceof ThreadlineError) return cause;
    const problems = Reflect.get(error, 'errors');
    if (Array.isArray(problems) && problems.length > 0) {
      const list = problems as GraphqlProblem[];
      const message = `${what}: ${list.map((p) => p.message ?? p.type ?? 'error').join('; ')}`;
      const types = new Set(list.map((p) => p.type));
      if (types.has('FORBIDDEN') || types.has('INSUFFICIENT_SCOPES'))
        return new AuthError(`${message}; check ${GITHUB_CREDENTIALS} and its scopes (repo, project)`);
      if (types.has('NOT_FOUND')) return kinds.notFound(message);
      return kinds.invalid(message);
    }
  }
  return new TransientError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}
