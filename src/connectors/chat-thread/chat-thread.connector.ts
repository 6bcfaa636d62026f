import { incidentCard } from '../../../cards/incident.js';
import { digestCard, isFailure, notificationCard } from '../../../cards/notification.js';
import { readinessCard } from '../../../cards/readiness.js';
import type { LinkedTicket } from '../../../cards/ticket.js';
import type { Card } from '../../core/card.js';
import type { ConversationRef, PlatformName } from '../../core/chat.js';
import type { EventName } from '../../core/events.js';
import { eventDefinition } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import type { Connector, DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { isTicketSyncEvent } from '../ticketing/sync.js';

export interface ChatThreadConnectorOptions {
  /** The `integrations.<name>` key, which is also the connector key. */
  integration: string;
  platform: PlatformName;
  place: Omit<ConversationRef, 'platform'>;
  notifyOn: readonly EventName[];
  /** Who is mentioned when a failure is posted. */
  mentions?: readonly string[];
  surface: () => ChatSurface | undefined;
  retryCount: number;
  timeoutMs: number;
}

/**
 * Event notifications through a chat platform's bot (Slack chat.postMessage with a bot token, a
 * Discord channel, a Teams conversation) instead of an incoming webhook: every event about one
 * spec lands in that spec's thread, under a parent card that shows its latest state.
 */
export class ChatThreadConnector implements Connector {
  readonly humanFacing = true;
  readonly integration: string;
  readonly retryCount: number;
  readonly timeoutMs: number;
  private readonly platform: PlatformName;
  private readonly place: Omit<ConversationRef, 'platform'>;
  private readonly events: ReadonlySet<EventName>;
  private readonly mentions: readonly string[];
  private readonly surface: () => ChatSurface | undefined;

  constructor(options: ChatThreadConnectorOptions) {
    this.integration = options.integration;
    this.platform = options.platform;
    this.place = options.place;
    this.events = new Set(options.notifyOn);
    this.mentions = options.mentions ?? [];
    this.surface = options.surface;
    this.retryCount = options.retryCount;
    this.timeoutMs = options.timeoutMs;
  }

  get key(): string {
    return this.integration;
  }

  accepts(event: EventName): boolean {
    return this.events.has(event);
  }

  async deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    const surface = this.chat();
    const specId = event.payload.spec?.id;
    // Only a spec has tickets, and only where a tracker is enabled: other deliveries read nothing.
    const tickets = specId && surface.tickets ? await surface.tickets.ofSpec(specId) : [];
    const card = notificationCard(event, { mentions: isFailure(event) ? this.mentions : [], tickets });
    // An incident opened in Threadline has one card everywhere: the interactive one, in its
    // current state (as the command that opened it posted it), never the event's summary.
    const incidentId = incidentIdOf(event);
    const incident = incidentId ? await surface.incidents?.find(incidentId) : undefined;
    const subject = incident?.id ?? specId ?? event.id;
    const exception = incident ? undefined : await this.readinessOf(event, surface);
    const parent = incident
      ? incidentCard(incident)
      : exception
        ? readinessCard(exception)
        : subjectCard(event, tickets);
    const ref = await surface.threads.post({ platform: this.platform, ...this.place }, subject, card, parent);
    // A tracker that opened the spec's ticket before this thread existed had nowhere to say so.
    const told =
      specId && !incident && isTicketSyncEvent(event.payload.event)
        ? await surface.tickets?.tellOpened(specId)
        : 0;
    return {
      reference: ref.id,
      summary: `posted in the ${subject} thread on ${this.platform}${told ? `; told ${told} of its new ticket` : ''}`,
    };
  }

  async deliverDigest(events: readonly StoredEvent[], _context: DeliveryContext): Promise<DeliveryReceipt> {
    const card = digestCard(events, { mentions: events.some(isFailure) ? this.mentions : [] });
    const ref = await this.chat()
      .platforms.require(this.platform)
      .post({ platform: this.platform, ...this.place }, card);
    return { reference: ref.id, summary: `digest of ${events.length} posted on ${this.platform}` };
  }

  async check(): Promise<HealthResult> {
    const ready = Boolean(this.surface()?.platforms.get(this.platform));
    return {
      ok: ready,
      detail: ready
        ? `threads in ${this.place.conversation} via the ${this.platform} bot`
        : `the ${this.platform} platform is not running in this process`,
    };
  }

  /**
   * A spec's readiness exception is its thread's card, interactive and in its current state,
   * while it is open and for every readiness event about it; later events about a spec whose
   * exception is resolved show the spec again.
   */
  private async readinessOf(event: StoredEvent, surface: ChatSurface) {
    const specId = event.payload.spec?.id;
    if (!specId || !surface.readiness) return undefined;
    const exception = await surface.readiness.current(specId);
    if (!exception) return undefined;
    return exception.status !== 'resolved' || event.payload.event.startsWith('readiness_exception')
      ? exception
      : undefined;
  }

  private chat(): ChatSurface {
    const surface = this.surface();
    if (!surface?.platforms.get(this.platform))
      throw new Error(`the ${this.platform} platform is not running in this process`);
    return surface;
  }
}

/** The Threadline incident an incident_* event is about (`incident.id`), if it names one. */
function incidentIdOf(event: StoredEvent): string | undefined {
  if (!event.payload.event.startsWith('incident_')) return undefined;
  const { incident } = event.payload;
  if (!incident || typeof incident !== 'object' || !('id' in incident)) return undefined;
  return typeof incident.id === 'string' && incident.id !== '' ? incident.id : undefined;
}

/** The parent card of a spec's thread: what it is and where it stands now. */
export function subjectCard(event: StoredEvent, tickets: readonly LinkedTicket[] = []): Card {
  const { spec } = event.payload;
  const definition = eventDefinition(event.payload.event);
  const latest = notificationCard(event, { tickets });
  const ticketsField = latest.fields.find((field) => field.label === 'Tickets');
  return {
    title: `📄 ${spec?.id ?? event.id}${spec?.title ? `: ${spec.title}` : ''}`,
    severity: latest.severity,
    fields: [
      { label: 'Latest', value: `${definition.emoji} ${definition.title}`, inline: true },
      ...(spec?.status ? [{ label: 'Status', value: spec.status, inline: true }] : []),
      { label: 'Updated', value: event.payload.timestamp, inline: true },
      ...(ticketsField ? [ticketsField] : []),
    ],
    links: latest.links,
    actions: [],
  };
}
