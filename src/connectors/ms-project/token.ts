import { z } from 'zod';
import { AuthError, TransientError } from '../../core/errors.js';
import { type HttpClient, raiseForStatus } from '../../net/http-client.js';

export const MS_PROJECT_SECRET = 'integrations.ms_project.client_secret';

const TokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive(),
});
const TokenRefusal = z.looseObject({ error: z.string(), error_description: z.string().optional() });

/** A token this close to its expiry is replaced before use, so a request never carries one that lapses in flight. */
const EXPIRY_MARGIN_MS = 60_000;

export interface TokenSettings {
  authUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The resource the token is for: `https://graph.microsoft.com/.default`. */
  scope: string;
  timeoutMs: number;
}

/**
 * The Microsoft identity platform's client-credentials grant, asked through our HttpClient and
 * kept until shortly before it expires. Callers that ask at once share one request.
 */
export class GraphToken {
  private cached: { value: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly settings: TokenSettings,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.until) return Promise.resolve(this.cached.value);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets the token Graph has just refused, so the next get() asks for a new one. */
  invalidate(refused: string): void {
    if (this.cached?.value === refused) this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const { authUrl, tenantId, clientId, clientSecret, scope, timeoutMs } = this.settings;
    const url = `${authUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope,
    }).toString();
    const started = this.now();
    const response = await this.http.send({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      timeoutMs,
    });
    // The identity platform answers a wrong secret, client id or tenant with 400 or 401 and an OAuth error code.
    if (response.status === 400 || response.status === 401) {
      const refusal = TokenRefusal.safeParse(safeJson(response.body));
      const code = refusal.success ? refusal.data.error : `HTTP ${response.status}`;
      const aadsts = refusal.success
        ? /AADSTS\d+/.exec(refusal.data.error_description ?? '')?.[0]
        : undefined;
      throw new AuthError(
        `Microsoft identity platform refused the client credentials (${code}${aadsts ? ` ${aadsts}` : ''}); check ${MS_PROJECT_SECRET} (and tenant_id, client_id)`,
      );
    }
    raiseForStatus(response, 'Microsoft identity platform', MS_PROJECT_SECRET);
    const answer = TokenAnswer.safeParse(safeJson(response.body));
    if (!answer.success)
      throw new TransientError('Microsoft identity platform answered without an access_token');
    this.cached = {
      value: answer.data.access_token,
      until: started + answer.data.expires_in * 1000 - EXPIRY_MARGIN_MS,
    };
    return answer.data.access_token;
  }
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
