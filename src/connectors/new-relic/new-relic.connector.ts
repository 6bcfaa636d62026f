import { EVENT_NAMES } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import { type HttpClient, raiseForStatus } from '../../net/http-client.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import { authHeader, collectorUrl, keyKind } from './api.js';
import { newRelicEvent } from './event.js';
import type { NewRelicIntegrationConfig } from './schema.js';

const USER_AGENT = 'Threadline-NewRelic/1';
const API_KEY_SETTING = 'integrations.new_relic.api_key (NEW_RELIC_API_KEY)';

/** A block that passed `requires`: the key is set. */
export type ReadyNewRelicConfig = NewRelicIntegrationConfig & { api_key: string };

/** Custom events of `event_type` through the Event API, one event per delivery. */
export class NewRelicConnector extends SubscribedConnector {
  private readonly url: string;

  constructor(
    private readonly config: ReadyNewRelicConfig,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
  ) {
    super({
      key: 'new_relic',
      integration: 'new_relic',
      humanFacing: false,
      events: config.events ?? EVENT_NAMES,
      secrets: [config.api_key],
      retryCount,
      timeoutMs,
    });
    this.url = `${collectorUrl(config, config.api_key)}/v1/accounts/${config.account_id}/events`;
  }

  async deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    const body = [newRelicEvent(event, this.config.event_type, context.deliveryId)];
    return this.scrubbed(async () => {
      const response = await this.http.sendJson({
        url: this.url,
        headers: authHeader(this.config.api_key),
        json: body,
        userAgent: USER_AGENT,
        timeoutMs: this.timeoutMs,
      });
      // The Event API validates asynchronously: a 200 means accepted, and problems with the
      // attributes show up as NrIntegrationError events in the account.
      raiseForStatus(response, 'the New Relic Event API', API_KEY_SETTING);
      const uuid = requestId(response.body);
      return {
        reference: uuid,
        summary: `sent a ${this.config.event_type} event to New Relic${uuid ? ` (${uuid})` : ''}`,
      };
    });
  }

  async check(): Promise<HealthResult> {
    const kind = keyKind(this.config.api_key);
    if (kind === 'user')
      return {
        ok: false,
        detail: `the key is a User key (NRAK-…), which cannot insert events: set ${API_KEY_SETTING} to an Ingest - License key`,
      };
    return {
      ok: true,
      detail: `${kind} key, ${new URL(this.url).host}, account ${this.config.account_id}, event type ${this.config.event_type}; ${this.subscriptions} event(s)`,
    };
  }
}

function requestId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { uuid?: unknown };
    return typeof parsed.uuid === 'string' ? parsed.uuid : undefined;
  } catch {
    return undefined;
  }
}
