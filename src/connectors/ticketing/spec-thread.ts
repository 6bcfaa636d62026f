import { openedCard } from '../../../cards/ticket.js';
import type { Card } from '../../core/card.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import type { TicketLinks } from './links.js';
import type { TicketRef, TicketSystem } from './tracker.js';

type Unannounced = Pick<TicketLinks, 'takeUnannounced' | 'setUnannounced'>;

/**
 * Posts a reply in the spec's thread on every platform and conversation that shows the spec;
 * how many threads. Whatever a tracker has to tell about a spec's ticket goes this way.
 */
export async function replyInSpecThreads(
  chat: ChatSurface | undefined,
  specId: string | undefined,
  card: Card,
): Promise<number> {
  if (!chat || !specId) return 0;
  return chat.threads.replyEverywhere(specId, card);
}

/**
 * Tells the spec's threads of a ticket `system` opened for it, if chat has not been told yet:
 * what the tracker's delivery does after its work. The ticket waiting to be told is taken (so of
 * every retry, replay and chat delivery only one tells it); when no thread shows the spec yet it
 * is put back for the chat delivery that opens the thread. A thread opened between the take and
 * the putting back found nothing to take, so the threads are looked at once more after it.
 */
export async function tellOpened(
  store: Unannounced,
  system: TicketSystem,
  specId: string,
  chat: ChatSurface,
): Promise<number> {
  for (let round = 0; round < 2; round++) {
    const ticket = await store.takeUnannounced(system, specId);
    if (!ticket) return 0;
    const replies = await postOpened(store, system, specId, ticket, chat.threads);
    if (replies > 0) return replies;
  }
  return 0;
}

/** The reply itself; a ticket not told (no thread, or the platform failed) is put back. */
export async function postOpened(
  store: Pick<TicketLinks, 'setUnannounced'>,
  system: TicketSystem,
  specId: string,
  ticket: TicketRef,
  threads: ChatSurface['threads'],
): Promise<number> {
  const card = openedCard({
    system,
    key: ticket.key,
    title: ticket.title ?? ticket.key,
    status: ticket.status,
    url: ticket.url,
    specId,
  });
  let replies: number;
  try {
    replies = await threads.replyEverywhere(specId, card);
  } catch (error) {
    await store.setUnannounced(system, specId, ticket).catch(() => undefined);
    throw error;
  }
  if (replies === 0) await store.setUnannounced(system, specId, ticket);
  return replies;
}
