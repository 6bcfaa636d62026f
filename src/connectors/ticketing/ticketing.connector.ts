import type { StoredEvent } from '../../core/payload.js';
import { scrubError } from '../../security/escape.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import { syncSpecEvent, TICKET_SYNC_EVENTS } from './sync.js';
import type { Tickets } from './tickets.js';

export interface TicketingConnectorOptions {
  /** The integration's name under `integrations:` (also the connector key). */
  integration: string;
  tickets: Tickets;
  /** Values the tracker might echo back (tokens, passwords): never in an error. */
  secrets: readonly string[];
  retryCount: number;
  timeoutMs: number;
}

/**
 * A tracker as a delivery destination: it follows the spec lifecycle events and waiver decisions,
 * one delivery job per event, and is what the ticket commands find in the registry.
 */
export class TicketingConnector extends SubscribedConnector {
  readonly tickets: Tickets;
  private readonly secretValues: readonly string[];

  constructor(options: TicketingConnectorOptions) {
    super({
      key: options.integration,
      integration: options.integration,
      humanFacing: false,
      events: TICKET_SYNC_EVENTS,
      secrets: options.secrets,
      retryCount: options.retryCount,
      timeoutMs: options.timeoutMs,
    });
    this.tickets = options.tickets;
    this.secretValues = options.secrets;
  }

  deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    return this.scrubbed(() => syncSpecEvent(this.tickets, event, context));
  }

  /** Runs a ticket command's call with this tracker's secrets scrubbed from any failure. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return this.scrubbed(call);
  }

  /** The tracker's own verdict; a detail quoting the provider's answer is scrubbed like an error. */
  async check(): Promise<HealthResult> {
    const health = await this.scrubbed(() => this.tickets.tracker.check());
    const detail = scrubError(new Error(health.detail), this.secretValues);
    return { ok: health.ok, detail: detail instanceof Error ? detail.message : health.detail };
  }
}

export function isTicketingConnector(connector: unknown): connector is TicketingConnector {
  return connector instanceof TicketingConnector;
}
