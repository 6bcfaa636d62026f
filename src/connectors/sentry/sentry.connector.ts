import { RateLimitedError, ValidationError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import { urlSecrets } from '../../security/escape.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import { DSN_FORMAT, parseDsn, type SentryDsn } from './dsn.js';
import { eventEnvelope, sentryAuthHeader, sentryRateLimitMs } from './envelope.js';
import { sentryEvent } from './event.js';
import type { SentryIntegrationConfig } from './schema.js';

const CLIENT = 'threadline/1';
const USER_AGENT = 'Threadline-Sentry/1';
const DSN_SETTING = 'integrations.sentry.dsn (SENTRY_DSN)';
/** What Sentry's SDKs wait when a 429 says nothing about how long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** `report_on` events as Sentry events in the DSN's project, one envelope per delivery. */
export class SentryConnector extends SubscribedConnector {
  private readonly dsn: SentryDsn | undefined;

  constructor(
    private readonly config: SentryIntegrationConfig & { dsn: string },
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
  ) {
    const dsn = parseDsn(config.dsn);
    super({
      key: 'sentry',
      integration: 'sentry',
      humanFacing: false,
      events: config.report_on,
      secrets: [
        ...urlSecrets(config.dsn),
        config.dsn,
        ...(dsn ? [dsn.publicKey] : []),
        ...(dsn?.secretKey ? [dsn.secretKey] : []),
      ],
      retryCount,
      timeoutMs,
    });
    this.dsn = dsn;
  }

  async deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    const dsn = this.dsn;
    if (!dsn) throw new ValidationError(`${DSN_SETTING} is not a Sentry DSN (expected ${DSN_FORMAT})`);
    const body = sentryEvent(event, this.config, context.deliveryId, CLIENT);
    return this.scrubbed(async () => {
      const response = await this.http.send({
        url: dsn.envelopeUrl,
        headers: {
          'content-type': 'application/x-sentry-envelope',
          'x-sentry-auth': sentryAuthHeader(dsn.publicKey, CLIENT),
          'user-agent': USER_AGENT,
        },
        body: eventEnvelope(body, new Date()),
        timeoutMs: this.timeoutMs,
      });
      raiseForRateLimit(response);
      raiseForStatus(response, 'Sentry', DSN_SETTING);
      return {
        reference: body.event_id,
        summary: `reported to Sentry project ${dsn.projectId} (${body.event_id})`,
      };
    });
  }

  async check(): Promise<HealthResult> {
    if (!this.dsn)
      return { ok: false, detail: `${DSN_SETTING} is not a Sentry DSN (expected ${DSN_FORMAT})` };
    if (this.subscriptions === 0)
      return { ok: false, detail: 'report_on lists no events, so nothing is reported to Sentry' };
    return {
      ok: true,
      detail: `project ${this.dsn.projectId} at ${this.dsn.host}, environment ${this.config.environment}; reports ${this.subscriptions} event(s)`,
    };
  }
}

/** Sentry's 429 says how long in X-Sentry-Rate-Limits (per category), else Retry-After. */
function raiseForRateLimit(response: HttpResponse): void {
  if (response.status !== 429) return;
  const wait =
    sentryRateLimitMs(response.headers['x-sentry-rate-limits']) ??
    retryAfterMs(response.headers['retry-after']) ??
    DEFAULT_RATE_LIMIT_WAIT_MS;
  throw new RateLimitedError(`Sentry is rate limiting error events; retry after ${wait} ms`, wait);
}
