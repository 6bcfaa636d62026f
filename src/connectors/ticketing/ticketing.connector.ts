import type { StoredEvent } from '../../core/payload.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { scrubError } from '../../security/escape.js';
import type { DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { SubscribedConnector } from '../subscribed-connector.js';
import type { TicketLinks } from './links.js';
import { tellOpened } from './spec-thread.js';
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
  /** Work the tracker does on its own beside deliveries (Planner's poll, the status poll), built for this connector. */
  watch?: (connector: TicketingConnector) => TrackerWatch;
  /** The chat platforms of this process, where the spec's threads are told of its new ticket. */
  chat?: () => ChatSurface | undefined;
}

/**
 * Something a tracker runs on a cadence (Planner has no webhook, so its plan is polled; the
 * webhook trackers' status poll is their fallback). Started
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
  private readonly chat: () => ChatSurface | undefined;

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
    this.chat = options.chat ?? (() => undefined);
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

  /** Records the ticket's current status for the status poll (see TicketLinks.sawStatus). */
  sawStatus(key: string, status: string): Promise<void> {
    return this.links().sawStatus(this.tickets.tracker.system, key, status);
  }

  lastStatus(key: string): Promise<string | undefined> {
    return this.links().lastStatus(this.tickets.tracker.system, key);
  }

  /**
   * A verified webhook of this tracker arrived, so its status polling pauses. Never fails: a
   * record lost to a Redis hiccup costs one more poll, while the webhook's answer must not change.
   */
  async webhookSeen(): Promise<void> {
    await this.links()
      .webhookSeen(this.tickets.tracker.system)
      .catch(() => undefined);
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

  /**
   * The event applied to the spec's ticket, then the spec's threads told of a ticket opened for it
   * (by this delivery, or by an earlier try that ended before telling). A failed reply fails the
   * delivery, whose retry finds the ticket and tells it then.
   */
  deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    return this.scrubbed(async () => {
      const receipt = await syncSpecEvent(this.tickets, event, context);
      const specId = event.payload.spec?.id;
      const chat = this.chat();
      if (!specId || !chat) return receipt;
      const replies = await tellOpened(this.links(), this.tickets.tracker.system, specId, chat);
      if (replies === 0) return receipt;
      return {
        ...receipt,
        summary: `${receipt.summary}; told ${replies} ${replies === 1 ? 'thread' : 'threads'}`,
      };
    });
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
