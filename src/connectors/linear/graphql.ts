import { z } from 'zod';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';

export const LINEAR_CREDENTIALS = 'integrations.linear.api_key (LINEAR_API_KEY)';
const USER_AGENT = 'threadline-linear';

/** Linear's GraphQL error: `extensions.code` says what kind (RATELIMITED, AUTHENTICATION_ERROR …). */
const GraphQLError = z.looseObject({
  message: z.string().default(''),
  extensions: z
    .looseObject({
      code: z.string().optional(),
      type: z.string().optional(),
      userPresentableMessage: z.string().optional(),
    })
    .optional(),
});
const GraphQLAnswer = z.looseObject({
  data: z.unknown().optional(),
  errors: z.array(GraphQLError).optional(),
});
type LinearGraphQLError = z.infer<typeof GraphQLError>;

/**
 * One GraphQL request to Linear over our HttpClient (SSRF guard, keep-alive pool, no redirects,
 * the connector's deadline), its answer or its errors mapped onto our error kinds. Linear answers
 * most failures with HTTP 400 and a code in the GraphQL errors, so the code decides, not the status.
 */
export class LinearGraphQL {
  constructor(
    private readonly http: HttpClient,
    private readonly apiUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs: number,
  ) {}

  async request<T>(
    what: string,
    query: string,
    variables: Record<string, unknown>,
    data: z.ZodType<T>,
  ): Promise<T> {
    const response = await this.http.sendJson({
      url: this.apiUrl,
      method: 'POST',
      // A personal API key goes bare; an OAuth token would carry "Bearer ".
      headers: { authorization: this.apiKey },
      json: { query, variables },
      userAgent: USER_AGENT,
      timeoutMs: this.timeoutMs,
    });
    const label = `Linear: ${what}`;
    let answer: z.infer<typeof GraphQLAnswer> | undefined;
    try {
      answer = GraphQLAnswer.parse(JSON.parse(response.body));
    } catch {
      answer = undefined;
    }
    const errors = answer?.errors ?? [];
    if (errors.length > 0) throw mapLinearErrors(errors, response, label);
    raiseForStatus(response, label, LINEAR_CREDENTIALS);
    if (!answer) throw new TransientError(`${label}: the answer was not GraphQL JSON`);
    const parsed = data.safeParse(answer.data);
    if (!parsed.success)
      throw new TransientError(
        `${label}: unexpected answer (${parsed.error.issues[0]?.message ?? 'no data'})`,
      );
    return parsed.data;
  }
}

/** Linear's error codes (extensions.code) onto our kinds; the first error speaks for the answer. */
export function mapLinearErrors(
  errors: readonly LinearGraphQLError[],
  response: HttpResponse,
  label: string,
): Error {
  const first = errors[0] as LinearGraphQLError;
  const code = (first.extensions?.code ?? '').toUpperCase();
  const reason = (first.extensions?.userPresentableMessage ?? first.message)
    .replace(/\s+/g, ' ')
    .slice(0, 200);
  const says = `${label} failed${code ? ` (${code})` : ''}: ${reason}`;
  if (code === 'RATELIMITED' || response.status === 429) {
    const wait = rateLimitWait(response);
    return wait === undefined
      ? new TransientError(says)
      : new RateLimitedError(`${says}; retry after ${wait} ms`, wait);
  }
  if (
    code === 'AUTHENTICATION_ERROR' ||
    code === 'FORBIDDEN' ||
    response.status === 401 ||
    response.status === 403
  )
    return new AuthError(`${says}; check ${LINEAR_CREDENTIALS}`);
  if (response.status >= 500 || code === 'INTERNAL_SERVER_ERROR' || code === 'INTERNAL_ERROR')
    return new TransientError(says);
  if (/^entity not found/i.test(first.message) || /could not find/i.test(reason))
    return new NotFoundError(says);
  return new ValidationError(says);
}

/**
 * How long Linear wants us to wait: `X-RateLimit-Requests-Reset` (and its complexity twin) is the
 * UTC epoch in milliseconds when the window refills; a Retry-After, where one is sent, also counts.
 */
export function rateLimitWait(response: HttpResponse, now = Date.now()): number | undefined {
  const waits: number[] = [];
  for (const name of [
    'x-ratelimit-requests-reset',
    'x-ratelimit-complexity-reset',
    'x-ratelimit-endpoint-requests-reset',
  ]) {
    const raw = response.headers[name];
    const value = Number(Array.isArray(raw) ? raw[0] : raw);
    if (Number.isFinite(value) && value > 0) waits.push(Math.max(0, Math.ceil(value - now)));
  }
  const retryAfter = retryAfterMs(response.headers['retry-after'], now);
  if (retryAfter !== undefined) waits.push(retryAfter);
  return waits.length === 0 ? undefined : Math.max(...waits);
}
