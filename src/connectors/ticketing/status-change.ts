import { type TicketSummary, ticketCard, trackerName } from '../../../cards/ticket.js';
import type { Card } from '../../core/card.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { replyInSpecThreads } from './spec-thread.js';
import type { TicketingConnector } from './ticketing.connector.js';

/** A ticket moved or closed in its tracker, as a webhook or a poll reports it. */
export interface TrackerStatusChange {
  key: string;
  status: string;
  title?: string;
  url?: string;
  /** Who made the change, in the tracker's own ids: compared with the account Threadline acts as. */
  actor?: string;
  /**
   * What names this one change however often it is delivered (a delivery id, a changelog id, a
   * revision, an etag): a second delivery of it is not shown again. Absent: every delivery is shown.
   */
  change?: string;
}

export type StatusChangeOutcome =
  | { shown: false; reason: 'our own change' | 'already shown' }
  | {
      shown: true;
      /** Copies of the ticket's own card that were replaced. */
      updated: number;
      /** The spec the ticket was opened for, whose threads were told. */
      specId?: string;
      /** Replies posted in the spec's threads. */
      replies: number;
    };

/** Trackers retry a failed webhook for hours (Linear: after a minute, an hour, six hours). */
const CHANGE_MEMORY_MS = 24 * 3_600_000;

/**
 * The one way a status change made in a tracker reaches chat, whether a webhook or a poll saw it.
 * A change made by Threadline's own account is its own call coming back (the command that made
 * it already updated the card), so it is dropped, and nothing is ever sent back to the tracker.
 * Otherwise the ticket's card is replaced wherever it is shown and, for a ticket opened for a
 * spec, a reply goes into the spec's thread wherever the spec is followed. A change delivered
 * again (the tracker retrying) is shown once, and the status shown is remembered, so a status poll
 * reading the ticket afterwards finds nothing new.
 */
export async function applyStatusChange(
  connector: TicketingConnector,
  chat: () => ChatSurface | undefined,
  change: TrackerStatusChange,
): Promise<StatusChangeOutcome> {
  const tracker = connector.tickets.tracker;
  const ownActor = tracker.ownActor?.bind(tracker);
  if (change.actor && ownActor && change.actor === (await connector.run(ownActor))) {
    await connector.sawStatus(change.key, change.status);
    return { shown: false, reason: 'our own change' };
  }
  // The ticket is already known in this status (a poll showed it before its late webhook came):
  // nothing has changed since it was shown.
  if ((await connector.lastStatus(change.key)) === change.status)
    return { shown: false, reason: 'already shown' };
  const seen = change.change ? `${change.key}:${change.status}:${change.change}` : undefined;
  if (seen && !(await connector.firstSight(seen, CHANGE_MEMORY_MS))) {
    await connector.sawStatus(change.key, change.status);
    return { shown: false, reason: 'already shown' };
  }
  try {
    const specId = await connector.tickets.specOf(change.key);
    // A read, never a write: the link (and a title the webhook left out) come from the tracker.
    const current = change.url ? undefined : await connector.run(() => tracker.get(change.key));
    const summary: TicketSummary = {
      system: tracker.system,
      key: change.key,
      title: change.title ?? current?.title ?? change.key,
      status: change.status,
      url: change.url ?? current?.url,
      specId,
    };
    const surface = chat();
    const updated = (await surface?.threads.updateEverywhere(change.key, ticketCard(summary))) ?? 0;
    const replies = await replyInSpecThreads(surface, specId, movedCard(summary));
    // What the status poll compares with: a change shown here is not shown by a poll again.
    await connector.sawStatus(change.key, change.status);
    return { shown: true, updated, specId, replies };
  } catch (error) {
    // Shown nowhere: the tracker's retry (or the next poll) must be able to show it.
    if (seen) await connector.forgetChange(seen).catch(() => undefined);
    throw error;
  }
}

/** The reply in a spec's thread: which ticket moved where, in whose tracker. */
/** The part of a ticket a status change shows: key, status, and title and link when known. */
export function summaryOf(ticket: {
  key: string;
  status: string;
  title?: string;
  url?: string;
}): TrackerStatusChange {
  return {
    key: ticket.key,
    status: ticket.status,
    ...(ticket.title ? { title: ticket.title } : {}),
    ...(ticket.url ? { url: ticket.url } : {}),
  };
}

/**
 * A change a poll found, shown like a webhook's and logged as `<what> shown in chat`. False when
 * chat could not be told: the caller keeps the last seen state, so the next poll tries again.
 */
export async function showPolledChange(
  connector: TicketingConnector,
  chat: () => ChatSurface | undefined,
  change: TrackerStatusChange & { change: string },
  logger: Logger | undefined,
  what: string,
): Promise<boolean> {
  try {
    const outcome = await applyStatusChange(connector, chat, change);
    logger?.info({ key: change.key, status: change.status, ...outcome }, `${what} shown in chat`);
    return true;
  } catch (error) {
    logger?.warn({ err: errorMessage(error), key: change.key }, `${what} not shown in chat`);
    return false;
  }
}

export function movedCard(ticket: TicketSummary): Card {
  const card = ticketCard(ticket);
  return {
    ...card,
    title: `🎫 ${ticket.key} moved to ${ticket.status} in ${trackerName(ticket.system)}`,
    ...(ticket.title === ticket.key ? {} : { text: ticket.title }),
  };
}
