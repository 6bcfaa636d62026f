import type { StoredEvent } from '../../core/payload.js';
import type { Logger } from '../../observability/logger.js';
import { scrubError } from '../../security/escape.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import type { TicketLinks } from './links.js';
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
  /** The ticket links' store, for remembering which tracker-side changes were already shown. */
  links: () => TicketLinks;
  /** Work the tracker does on its own beside deliveries (Planner's poll), built for this connector. */
  watch?: (connector: TicketingConnector) => TrackerWatch;
}

/**
 * Something a tracker runs on a cadence (Planner has no webhook, so its plan is polled). Started
 * by the processes that run workers; stopped at shutdown and when the connector closes.
 */
export interface TrackerWatch {
  start(logger: Logger): void;
  close(): Promise<void>;
}

/**
 * A tracker as a delivery destination: it follows the spec lifecycle events and waiver decisions,
 * one delivery job per event, and is what the ticket commands find in the registry.
 */
export class TicketingConnector extends SubscribedConnector {
  readonly tickets: Tickets;
  private readonly secretValues: readonly string[];
  private readonly links: () => TicketLinks;
  private readonly watch: TrackerWatch | undefined;

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
    this.links = options.links;
    this.watch = options.watch?.(this);
  }

  /**
   * True the first time this tracker-side change is seen (a tracker retrying a webhook delivers
   * one change again); `forgetChange` lets one whose handling failed be taken on the next try.
   */
  firstSight(change: string, ttlMs: number): Promise<boolean> {
    return this.links().firstSight(this.tickets.tracker.system, change, ttlMs);
  }

  forgetChange(change: string): Promise<void> {
    return this.links().forget(this.tickets.tracker.system, change);
  }

  /** Starts the tracker's own watch, if it has one (a second start changes nothing). */
  startWatching(logger: Logger): void {
    this.watch?.start(logger);
  }

  /** Stops the watch and waits for a poll under way; closing the connector does it too. */
  async stopWatching(): Promise<void> {
    await this.watch?.close();
  }

  async close(): Promise<void> {
    await this.stopWatching();
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
