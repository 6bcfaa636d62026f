import { TransientError } from '../../core/errors.js';
import type { DeliveryContext } from '../connector.js';
import type { TicketLink, TicketLinks, TicketSubject } from './links.js';
import {
  commentMarker,
  type NewTicket,
  type SpecStage,
  type TicketRef,
  type TicketTracker,
} from './tracker.js';

export interface OpenedTicket {
  ticket: TicketLink;
  /** False when the subject already had its ticket (stored link, or found on the tracker). */
  created: boolean;
}

/**
 * Opens at most one ticket per subject on one tracker. The stored link is asked first; a spec
 * without one is searched for on the tracker by its spec id, so a create that succeeded just
 * before a crash (the link never stored) is found instead of opened twice. A short claim keeps
 * two workers from opening the same subject at once; the one that loses is retried by its queue.
 */
export class Tickets {
  constructor(
    readonly tracker: TicketTracker,
    private readonly links: () => TicketLinks,
    private readonly claimMs: number,
  ) {}

  async open(subject: TicketSubject, ticket: NewTicket): Promise<OpenedTicket> {
    const links = this.links();
    const system = this.tracker.system;
    const known = await links.get(system, subject);
    if (known) return { ticket: known, created: false };
    if (!(await links.claim(system, subject, this.claimMs)))
      throw new TransientError(
        `another worker is opening the ${system} ticket for ${subject.id}; trying again`,
      );
    try {
      const stored = await links.get(system, subject);
      if (stored) return { ticket: stored, created: false };
      const found = subject.kind === 'spec' ? await this.tracker.findBySpec(subject.id) : undefined;
      // The title is kept with the link for the reply that tells the spec's thread of the ticket.
      if (found) {
        await links.set(system, subject, { ...found, title: found.title ?? ticket.title });
        return { ticket: { key: found.key, url: found.url }, created: false };
      }
      const created = await this.tracker.create(ticket);
      await links.set(system, subject, { ...created, title: created.title ?? ticket.title });
      return { ticket: { key: created.key, url: created.url }, created: true };
    } finally {
      await links.release(system, subject);
    }
  }

  /**
   * Moves a ticket for a spec stage. Trackers list only the moves possible from where a ticket is,
   * so a repeated stage (a replayed or second approval) is told the status the ticket reached the
   * last time: a ticket still there is left as it is.
   */
  async advance(key: string, stage: SpecStage): Promise<TicketRef | undefined> {
    const links = this.links();
    const system = this.tracker.system;
    return this.ownMove(key, async () => {
      const moved = await this.tracker.transition(key, stage, await links.reached(system, key, stage));
      if (moved) await links.setReached(system, key, stage, moved.status);
      return moved;
    });
  }

  /** Moves the ticket to a done state; it is not polled after that. */
  async close(key: string): Promise<TicketRef> {
    const closed = await this.ownMove(key, () => this.tracker.close(key));
    await this.links().untrack(this.tracker.system, key);
    return closed;
  }

  /**
   * A move Threadline makes itself: a status poll under way meanwhile takes nothing for a change,
   * and the status reached is what the next poll compares with, so the move is never announced.
   */
  private async ownMove<T extends TicketRef | undefined>(key: string, move: () => Promise<T>): Promise<T> {
    const links = this.links();
    const system = this.tracker.system;
    await links.moving(system, key, this.claimMs);
    try {
      const moved = await move();
      if (moved) await links.sawStatus(system, key, moved.status);
      return moved;
    } finally {
      await links.moved(system, key);
    }
  }

  /**
   * Adds a delivery's comment at most once. The record in Redis says whether this delivery's
   * comment was sent (`done`: nothing to do) or was being sent when an earlier try ended
   * (`pending`: a timeout or a crash may have hidden a success). Then, or on any retry, the
   * ticket's recent comments are searched for the delivery's marker before posting again.
   * Returns false when the comment was already there.
   */
  async comment(key: string, text: string, delivery: DeliveryContext): Promise<boolean> {
    const links = this.links();
    const system = this.tracker.system;
    const { deliveryId } = delivery;
    const marker = commentMarker(deliveryId);
    const record = await links.comment(system, deliveryId);
    if (record === 'done') return false;
    if ((record === 'pending' || delivery.attempt > 1) && (await this.tracker.hasComment?.(key, marker))) {
      await links.setComment(system, deliveryId, 'done');
      return false;
    }
    await links.setComment(system, deliveryId, 'pending');
    await this.tracker.comment(key, text, marker);
    await links.setComment(system, deliveryId, 'done');
    return true;
  }

  /** The spec a ticket was opened for, when Threadline opened or found it. */
  specOf(key: string): Promise<string | undefined> {
    return this.links().specOf(this.tracker.system, key);
  }
}
