import { errorMessage } from '../../core/errors.js';
import type { EventName } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import type { HttpClient } from '../../net/http-client.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import { callDatadog, type DatadogApi, datadogBaseUrl, validateApiKey } from './api.js';
import { datadogEvent } from './event.js';
import { METRIC_EVENTS, metricPayload } from './metrics.js';
import type { DatadogIntegrationConfig } from './schema.js';

/** A block that passed `requires`: the API key is set. */
export type ReadyDatadogConfig = DatadogIntegrationConfig & { api_key: string };

/**
 * Metrics and events are two destinations (`datadog.metrics`, `datadog.events`), each one
 * request per delivery: a failed event post is retried on its own and never submits the
 * counters a second time, and a rate limit on one API does not hold the other.
 */
abstract class DatadogConnector extends SubscribedConnector {
  protected readonly api: DatadogApi;

  constructor(
    kind: 'metrics' | 'events',
    protected readonly config: ReadyDatadogConfig,
    http: HttpClient,
    events: readonly EventName[],
    retryCount: number,
    timeoutMs: number,
  ) {
    super({
      key: `datadog.${kind}`,
      integration: 'datadog',
      humanFacing: false,
      events,
      secrets: [config.api_key, ...(config.app_key ? [config.app_key] : [])],
      retryCount,
      timeoutMs,
    });
    this.api = { http, baseUrl: datadogBaseUrl(config), apiKey: config.api_key, timeoutMs };
  }

  protected abstract describeSubscription(): string;

  async check(): Promise<HealthResult> {
    let valid: string;
    try {
      valid = await this.scrubbed(() => validateApiKey(this.api));
    } catch (error) {
      return { ok: false, detail: errorMessage(error) };
    }
    if (this.subscriptions === 0)
      return { ok: false, detail: `${this.key} is subscribed to no event that it can send` };
    return { ok: true, detail: `${valid}; ${this.describeSubscription()}` };
  }
}

/** The guide's `<metric_prefix>.processed|success|failure` counters and `.duration` gauge. */
export class DatadogMetricsConnector extends DatadogConnector {
  constructor(config: ReadyDatadogConfig, http: HttpClient, retryCount: number, timeoutMs: number) {
    const wanted = new Set<EventName>(config.events ?? METRIC_EVENTS);
    super(
      'metrics',
      config,
      http,
      METRIC_EVENTS.filter((e) => wanted.has(e)),
      retryCount,
      timeoutMs,
    );
  }

  async deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    const payload = metricPayload(event, this.config);
    return this.scrubbed(async () => {
      await callDatadog(
        this.api,
        { method: 'POST', path: '/api/v2/series', json: payload },
        'Datadog metrics intake',
      );
      return { summary: `submitted ${payload.series.map((s) => s.metric).join(', ')} to Datadog` };
    });
  }

  protected describeSubscription(): string {
    return `metrics under ${this.config.metric_prefix} for ${this.subscriptions} event(s)`;
  }
}

/** One Datadog event per Threadline event, tagged with `event_tags`. */
export class DatadogEventsConnector extends DatadogConnector {
  constructor(
    config: ReadyDatadogConfig,
    http: HttpClient,
    allEvents: readonly EventName[],
    retryCount: number,
    timeoutMs: number,
  ) {
    super('events', config, http, config.events ?? allEvents, retryCount, timeoutMs);
  }

  async deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    const body = datadogEvent(event, this.config.event_tags);
    return this.scrubbed(async () => {
      const response = await callDatadog(
        this.api,
        { method: 'POST', path: '/api/v1/events', json: body },
        'Datadog events intake',
      );
      const id = eventId(response.body);
      return { reference: id, summary: `posted a Datadog event${id ? ` (${id})` : ''}` };
    });
  }

  protected describeSubscription(): string {
    return `events for ${this.subscriptions} event(s), tags ${this.config.event_tags.join(',') || 'none'}`;
  }
}

function eventId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { event?: { id_str?: unknown; id?: unknown } };
    const id = parsed.event?.id_str ?? parsed.event?.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}
