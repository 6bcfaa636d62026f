import type { EventName } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, raiseForStatus } from '../../net/http-client.js';
import { scrubError, urlSecrets } from '../../security/escape.js';
import { signatureHeader, standardWebhookSignature } from '../../security/signing.js';
import type { Connector, DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import type { WebhookEndpointConfig } from './schema.js';

const USER_AGENT = 'Threadline-Webhook/1';

/** A custom webhook endpoint exactly as the Integrations Guide describes it. */
export class WebhookConnector implements Connector {
  readonly integration = 'webhooks' as const;
  readonly humanFacing = false;
  readonly key: string;
  private readonly events: ReadonlySet<EventName>;
  /** What a receiver might echo back: the URL's path and query tokens, header values, the HMAC secret. */
  private readonly secrets: string[];

  constructor(
    private readonly endpoint: WebhookEndpointConfig,
    private readonly http: HttpClient,
    readonly retryCount: number,
    readonly timeoutMs: number,
  ) {
    this.key = `webhooks.${endpoint.name}`;
    this.events = new Set(endpoint.events);
    // Header values count as secrets the way the config's redaction counts them: whole, and the
    // token of "Bearer <token>" alone, leaving out short words that would blank ordinary text.
    const headerValues = Object.values(endpoint.headers).flatMap((v) => [v, ...v.split(/\s+/)]);
    this.secrets = [
      ...urlSecrets(endpoint.url),
      ...headerValues.filter((v) => v.trim().length >= 8),
      ...(endpoint.secret ? [endpoint.secret] : []),
    ];
  }

  accepts(event: EventName): boolean {
    return this.events.has(event);
  }

  async deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    const body = JSON.stringify(event.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      ...this.endpoint.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-delivery-id': context.deliveryId,
      'x-threadline-event': event.payload.event,
      'x-threadline-attempt': String(context.attempt),
      'webhook-id': context.deliveryId,
      'webhook-timestamp': String(timestamp),
    };
    if (this.endpoint.secret) {
      headers['x-signature-256'] = signatureHeader(this.endpoint.secret, body);
      headers['webhook-signature'] = standardWebhookSignature(
        this.endpoint.secret,
        context.deliveryId,
        timestamp,
        body,
      );
    }
    try {
      const response = await this.http.send({
        url: this.endpoint.url,
        headers,
        body,
        timeoutMs: this.timeoutMs,
      });
      raiseForStatus(
        response,
        `webhook endpoint "${this.endpoint.name}"`,
        `integrations.webhooks.endpoints[name=${this.endpoint.name}].headers and .secret`,
      );
      return { summary: `delivered to webhook endpoint "${this.endpoint.name}" (${response.status})` };
    } catch (error) {
      throw scrubError(error, this.secrets);
    }
  }

  async check(): Promise<HealthResult> {
    return {
      ok: true,
      detail: `${this.endpoint.events.length} event(s)${this.endpoint.secret ? ', HMAC-signed' : ', unsigned'}`,
    };
  }
}
