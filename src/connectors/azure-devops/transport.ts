import { z } from 'zod';
import { AuthError, RateLimitedError } from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus } from '../../net/http-client.js';

export const AZURE_DEVOPS_CREDENTIALS = 'integrations.azure_devops.pat (AZURE_DEVOPS_PAT)';
export const API_VERSION = '7.1';
/** The work item comments API is still a preview in 7.1. */
export const COMMENTS_API_VERSION = '7.1-preview.4';

/** Azure DevOps error bodies: `{ "$id", "message": "TF401232: …", "typeKey", … }`. */
const ErrorBody = z.looseObject({ message: z.string() });

export interface AzureRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  /** A JSON body; a JSON Patch document is sent as `application/json-patch+json`. */
  json?: unknown;
  patch?: boolean;
}

/**
 * Azure DevOps REST over our HttpClient (SSRF guard, keep-alive pool, no redirects, the
 * connector's deadline) with the PAT as basic auth (`:<pat>`). Answers other than 2xx leave as
 * our error kinds, with Azure's own message instead of the raw body.
 */
export class AzureDevOpsTransport {
  private readonly authorization: string;

  constructor(
    private readonly http: HttpClient,
    pat: string,
    private readonly timeoutMs: number,
  ) {
    this.authorization = `Basic ${Buffer.from(`:${pat}`).toString('base64')}`;
  }

  async send(req: AzureRequest): Promise<unknown> {
    const response = await this.http.send({
      url: req.url,
      method: req.method,
      headers: {
        accept: 'application/json',
        authorization: this.authorization,
        'user-agent': 'Threadline',
        // Without it a refused PAT is answered 302/203 with the sign-in page instead of 401.
        'x-tfs-fedauthredirect': 'Suppress',
        ...(req.json !== undefined
          ? { 'content-type': req.patch ? 'application/json-patch+json' : 'application/json' }
          : {}),
      },
      body: req.json === undefined ? undefined : JSON.stringify(req.json),
      timeoutMs: this.timeoutMs,
    });
    raiseForAzure(response);
    if (response.body === '') return undefined;
    try {
      return JSON.parse(response.body);
    } catch {
      // A 2xx that is not JSON is the sign-in page an unauthenticated call can still get.
      throw new AuthError(
        `Azure DevOps answered with a sign-in page instead of JSON; check ${AZURE_DEVOPS_CREDENTIALS}`,
      );
    }
  }
}

function raiseForAzure(response: HttpResponse): void {
  const { status, headers } = response;
  if (status === 203)
    throw new AuthError(
      `Azure DevOps did not accept our credentials (203, a sign-in page); check ${AZURE_DEVOPS_CREDENTIALS}`,
    );
  if (status === 429 && headers['retry-after'] === undefined) {
    // Azure's throttling headers: X-RateLimit-Reset is the epoch second the window resets.
    const reset = Number(single(headers['x-ratelimit-reset']));
    if (Number.isFinite(reset) && reset > 0) {
      const wait = Math.max(0, Math.ceil(reset * 1000 - Date.now()));
      throw new RateLimitedError(`Azure DevOps answered 429; retry after ${wait} ms`, wait);
    }
  }
  const parsed = safeJson(response.body);
  const message = ErrorBody.safeParse(parsed);
  raiseForStatus(
    message.success ? { ...response, body: message.data.message } : response,
    'Azure DevOps',
    AZURE_DEVOPS_CREDENTIALS,
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
