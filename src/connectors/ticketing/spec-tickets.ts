import type { LinkedTicket } from '../../../cards/ticket.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import type { Connector } from '../connector.js';
import type { SpecTicketLinks } from './links.js';
import { postOpened } from './spec-thread.js';
import { isTicketingConnector } from './ticketing.connector.js';
import type { TicketSystem } from './tracker.js';

type Threads = ChatSurface['threads'];

/**
 * A spec's tickets as chat deliveries of spec events see them (ChatSurface.tickets): the links of
 * every enabled tracker in one read for the card, and the tickets opened before the spec had a
 * thread, told once the delivery has opened it.
 */
export class SpecTickets {
  constructor(
    private readonly links: SpecTicketLinks,
    private readonly threads: Threads,
  ) {}

  async ofSpec(specId: string): Promise<LinkedTicket[]> {
    return (await this.links.of(specId)).map(({ system, key, url }) => ({ system, key, url }));
  }

  /**
   * Called after the delivery's card is in the spec's thread. A failed reply is put back for the
   * next delivery about the spec rather than failing this one: retrying it would post the
   * delivery's card twice.
   */
  async tellOpened(specId: string): Promise<number> {
    const taken = await this.links.takeUnannounced(specId);
    let replies = 0;
    for (const { system, ticket } of taken)
      replies += await postOpened(this.links, system, specId, ticket, this.threads).catch(() => 0);
    return replies;
  }
}

/** The spec tickets of the enabled trackers; undefined without one, so no delivery pays a read. */
export function specTicketsFor(
  connectors: readonly Connector[],
  links: (systems: readonly TicketSystem[]) => SpecTicketLinks,
  threads: Threads,
): SpecTickets | undefined {
  const systems = [...new Set(connectors.filter(isTicketingConnector).map((c) => c.tickets.tracker.system))];
  return systems.length > 0 ? new SpecTickets(links(systems), threads) : undefined;
}
