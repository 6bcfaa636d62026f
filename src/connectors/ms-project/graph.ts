import type { z } from 'zod';
import { AuthError, TransientError } from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus } from '../../net/http-client.js';
import { type GraphToken, MS_PROJECT_SECRET } from './token.js';

export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Relative to api_url, e.g. `/planner/tasks/abc`. */
  path: string;
  json?: unknown;
  ifMatch?: string;
}

/**
 * Microsoft Graph over our HttpClient with the app's bearer token. A 401 means the token went
 * stale (revoked, or rotated keys): it is dropped and asked for once more; a second 401 is an
 * AuthError naming the client secret. Other statuses map as every connector's do: 429 with
 * Retry-After → RateLimited, 5xx → Transient, 404 → NotFound, other 4xx → Validation.
 */
export class GraphApi {
  private readonly base: string;

  constructor(
    private readonly http: HttpClient,
    private readonly token: GraphToken,
    apiUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.base = apiUrl.replace(/\/+$/, '');
  }

  /** Sends `req`; a status in `passThrough` is returned for the caller to handle instead of raised. */
  async send(what: string, req: GraphRequest, passThrough: readonly number[] = []): Promise<HttpResponse> {
    let response = await this.once(req, await this.token.get());
    if (response.status === 401) {
      this.token.invalidate(response.usedToken);
      response = await this.once(req, await this.token.get());
      if (response.status === 401)
        throw new AuthError(
          `Microsoft Graph: ${what} refused a fresh token (401); check ${MS_PROJECT_SECRET} and the app's Tasks.ReadWrite.All permission`,
        );
    }
    if (!passThrough.includes(response.status))
      raiseForStatus(response, `Microsoft Graph: ${what}`, MS_PROJECT_SECRET);
    return response;
  }

  async json<S extends z.ZodType>(what: string, req: GraphRequest, schema: S): Promise<z.infer<S>> {
    const response = await this.send(what, req);
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      throw new TransientError(`Microsoft Graph: ${what} answered ${response.status} without JSON`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new TransientError(
        `Microsoft Graph: ${what} answered in an unexpected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    return parsed.data;
  }

  /** A full URL Graph handed back (`@odata.nextLink`) or a path under api_url. */
  private url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.base}${path}`;
  }

  private async once(req: GraphRequest, token: string): Promise<HttpResponse & { usedToken: string }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': 'Threadline-Planner/1',
    };
    if (req.ifMatch) headers['if-match'] = req.ifMatch;
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    const response = await this.http.send({
      url: this.url(req.path),
      method: req.method,
      headers,
      body: req.json === undefined ? undefined : JSON.stringify(req.json),
      timeoutMs: this.timeoutMs,
    });
    return { ...response, usedToken: token };
  }
}
