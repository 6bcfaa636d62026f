import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, raiseForStatus } from '../../net/http-client.js';
import { urlSecrets } from '../../security/escape.js';
import { signatureHeader, standardWebhookSignature } from '../../security/signing.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import type { WebhookEndpointConfig } from './schema.js';

const USER_AGENT = 'Threadline-Webhook/1';

/** A custom webhook endpoint exactly as the Integrations Guide describes it. */
export class WebhookConnector extends SubscribedConnector {
  constructor(
    private readonly endpoint: WebhookEndpointConfig,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
  ) {
    // Header values count as secrets the way the config's redaction counts them: whole, and the
    // token of "Bearer <token>" alone, leaving out short words that would blank ordinary text.
    const headerValues = Object.values(endpoint.headers).flatMap((v) => [v, ...v.split(/\s+/)]);
    super({
      key: `webhooks.${endpoint.name}`,
      integration: 'webhooks',
      humanFacing: false,
      events: endpoint.events,
      // What a receiver might echo back: the URL's path and query tokens, header values, the HMAC secret.
      secrets: [
        ...urlSecrets(endpoint.url),
        ...headerValues.filter((v) => v.trim().length >= 8),
        ...(endpoint.secret ? [endpoint.secret] : []),
      ],
      retryCount,
      timeoutMs,
    });
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
    return this.scrubbed(async () => {
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
    });
  }

  async check(): Promise<HealthResult> {
    return {
      ok: true,
      detail: `${this.endpoint.events.length} event(s)${this.endpoint.secret ? ', HMAC-signed' : ', unsigned'}`,
    };
  }
}
