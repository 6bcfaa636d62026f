import type { EventName } from '../core/events.js';
import type { StoredEvent } from '../core/payload.js';
import { scrubError, urlSecrets } from '../security/escape.js';
import type { Connector, DeliveryContext, DeliveryReceipt, HealthResult } from './connector.js';

export interface SubscribedConnectorOptions {
  key: string;
  integration: string;
  /** Human-facing notifications obey notifications.rate_limit and can be sent as a digest. */
  humanFacing: boolean;
  /** The events this destination is subscribed to (notify_on, events …). */
  events: readonly EventName[];
  /** Values a provider might echo back (URL tokens, header values, signing keys): never in an error. */
  secrets: readonly string[];
  retryCount: number;
  timeoutMs: number;
}

/**
 * What every HTTP destination shares: it is subscribed to a list of events, and whatever it
 * sends, an error it raises never carries one of its secrets. Subclasses send one thing.
 */
export abstract class SubscribedConnector implements Connector {
  readonly key: string;
  readonly integration: string;
  readonly humanFacing: boolean;
  readonly retryCount: number;
  readonly timeoutMs: number;
  private readonly events: ReadonlySet<EventName>;
  private readonly secrets: readonly string[];

  constructor(options: SubscribedConnectorOptions) {
    this.key = options.key;
    this.integration = options.integration;
    this.humanFacing = options.humanFacing;
    this.retryCount = options.retryCount;
    this.timeoutMs = options.timeoutMs;
    this.events = new Set(options.events);
    this.secrets = options.secrets;
  }

  accepts(event: EventName): boolean {
    return this.events.has(event);
  }

  protected get subscriptions(): number {
    return this.events.size;
  }

  /** Runs one send; a failure leaves with the connector's secrets scrubbed from it. */
  protected async scrubbed<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw scrubError(error, this.secrets);
    }
  }

  abstract deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt>;
  abstract check(): Promise<HealthResult>;
}

/** A chat incoming webhook: human-facing, subscribed by notify_on, the tokens in its URL secret. */
export function chatWebhookOptions(
  key: string,
  block: { notify_on: readonly EventName[]; webhook_url?: string },
  retryCount: number,
  timeoutMs: number,
): SubscribedConnectorOptions {
  const secrets = block.webhook_url ? urlSecrets(block.webhook_url) : [];
  return {
    key,
    integration: key,
    humanFacing: true,
    events: block.notify_on,
    secrets,
    retryCount,
    timeoutMs,
  };
}
