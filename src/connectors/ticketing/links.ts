import { z } from 'zod';
import type { RedisClient } from '../../core/redis-client.js';
import { pollKeys, sawStatus, webhookSeen } from './poll-state.js';
import type { TicketRef, TicketSystem } from './tracker.js';

/** What is remembered of a ticket: enough to address it and to link to it. */
const StoredLink = z.object({ key: z.string().min(1), url: z.string().optional() });
export type TicketLink = z.infer<typeof StoredLink>;

/**
 * What a ticket was opened for: a spec (kept for good, and also found on the tracker by its spec
 * id), or one chat request (kept a day, so a retried `/ops ticket create` finds its ticket).
 */
export type TicketSubject = { kind: 'spec'; id: string } | { kind: 'request'; id: string };

const REQUEST_LINK_TTL_S = 86_400;
/** The linked tickets a status poll reads are kept while links keep being made. */
const POLLED_TTL_S = 90 * 86_400;
/** Long enough to outlive every retry and a dead letter's replay weeks later. */
const COMMENT_RECORD_TTL_S = 30 * 86_400;
/** A spec's ticket not yet told to chat waits this long for a thread that shows the spec. */
const UNANNOUNCED_TTL_S = 30 * 86_400;

/** A spec's ticket that chat has not been told of yet: what the "opened" reply shows. */
const StoredTicket = z.object({
  key: z.string().min(1),
  url: z.string().optional(),
  status: z.string(),
  title: z.string().optional(),
});

/**
 * Where a delivery's comment is: `pending` from just before it is sent until the tracker has
 * answered, `done` after. A `pending` found later means an earlier try may have posted it.
 */
export type CommentRecord = 'pending' | 'done';

/**
 * Subject → ticket links and the short claim that lets one worker at a time open a subject's
 * ticket. A claim that another holds means "try again shortly", never "go ahead".
 */
export interface TicketLinks {
  get(system: TicketSystem, subject: TicketSubject): Promise<TicketLink | undefined>;
  set(system: TicketSystem, subject: TicketSubject, ticket: TicketRef): Promise<void>;
  /** The spec a ticket was opened for, for cards and inbound status changes. */
  specOf(system: TicketSystem, key: string): Promise<string | undefined>;
  /** The status a ticket reached when Threadline last moved it for `stage`. */
  reached(system: TicketSystem, key: string, stage: string): Promise<string | undefined>;
  setReached(system: TicketSystem, key: string, stage: string, status: string): Promise<void>;
  claim(system: TicketSystem, subject: TicketSubject, ttlMs: number): Promise<boolean>;
  release(system: TicketSystem, subject: TicketSubject): Promise<void>;
  /**
   * True the first time `change` (one tracker-side change, however often it is delivered) is
   * seen within `ttlMs`; `forget` lets a change whose handling failed be taken again.
   */
  firstSight(system: TicketSystem, change: string, ttlMs: number): Promise<boolean>;
  forget(system: TicketSystem, change: string): Promise<void>;
  /**
   * Takes (reads and removes) the ticket opened for a spec that chat has not been told of: set
   * together with the spec's link, so whoever takes it posts the "opened" reply, once.
   */
  takeUnannounced(system: TicketSystem, specId: string): Promise<TicketRef | undefined>;
  /** Puts a taken ticket back, when telling chat of it failed or found no thread yet. */
  setUnannounced(system: TicketSystem, specId: string, ticket: TicketRef): Promise<void>;
  /** What is known of the comment a delivery (by its id) makes on a ticket. */
  comment(system: TicketSystem, deliveryId: string): Promise<CommentRecord | undefined>;
  setComment(system: TicketSystem, deliveryId: string, record: CommentRecord): Promise<void>;
  /**
   * The status a linked ticket is in, as a webhook showed it or Threadline's own move left it: a
   * status poll then finds nothing new. A ticket that is not linked is not recorded.
   */
  sawStatus(system: TicketSystem, key: string, status: string): Promise<void>;
  /** The status last seen or made of a linked ticket (see sawStatus). */
  lastStatus(system: TicketSystem, key: string): Promise<string | undefined>;
  /** Threadline is moving the ticket for `ttlMs` at most: a poll meanwhile announces nothing. */
  moving(system: TicketSystem, key: string, ttlMs: number): Promise<void>;
  moved(system: TicketSystem, key: string): Promise<void>;
  /** The ticket is done (closed by Threadline): no longer polled; its last status stays known. */
  untrack(system: TicketSystem, key: string): Promise<void>;
  /** A verified webhook of the tracker arrived: its status polling pauses. */
  webhookSeen(system: TicketSystem): Promise<void>;
}

function subjectKey(subject: TicketSubject): string {
  return `${subject.kind}:${subject.id}`;
}

/** Key names shared by the per-tracker store and the per-spec reader across trackers. */
function linkKey(prefix: string, system: TicketSystem, subject: TicketSubject): string {
  return `${prefix}:tickets:${system}:link:${subjectKey(subject)}`;
}

function unannouncedKey(prefix: string, system: TicketSystem, specId: string): string {
  return `${prefix}:tickets:${system}:unannounced:${specId}`;
}

function storedTicket(ticket: TicketRef): string {
  return JSON.stringify({ key: ticket.key, url: ticket.url, status: ticket.status, title: ticket.title });
}

async function setUnannounced(
  redis: RedisClient,
  prefix: string,
  system: TicketSystem,
  specId: string,
  ticket: TicketRef,
): Promise<void> {
  await redis.set(unannouncedKey(prefix, system, specId), storedTicket(ticket), 'EX', UNANNOUNCED_TTL_S);
}

function parseTicket(raw: string | null): TicketRef | undefined {
  if (raw === null) return undefined;
  const parsed = StoredTicket.safeParse(safeJson(raw));
  return parsed.success ? parsed.data : undefined;
}

function parseLink(raw: string | null): TicketLink | undefined {
  if (raw === null) return undefined;
  const parsed = StoredLink.safeParse(safeJson(raw));
  return parsed.success ? parsed.data : undefined;
}

/** The links in Redis under the configured prefix, shared by every worker. */
export class RedisTicketLinks implements TicketLinks {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async get(system: TicketSystem, subject: TicketSubject): Promise<TicketLink | undefined> {
    return parseLink(await this.redis.get(this.linkKey(system, subject)));
  }

  async set(system: TicketSystem, subject: TicketSubject, ticket: TicketRef): Promise<void> {
    const value = JSON.stringify({ key: ticket.key, url: ticket.url });
    const multi = this.redis.multi();
    if (subject.kind === 'spec') {
      multi.set(this.linkKey(system, subject), value);
      multi.set(this.specKey(system, ticket.key), subject.id);
      // In the same transaction: a crash after the link is stored still leaves chat to be told.
      multi.set(
        unannouncedKey(this.prefix, system, subject.id),
        storedTicket(ticket),
        'EX',
        UNANNOUNCED_TTL_S,
      );
    } else {
      multi.set(this.linkKey(system, subject), value, 'EX', REQUEST_LINK_TTL_S);
    }
    // Polled from now on, seen from birth: a move made in the tracker before the first poll is a change.
    const poll = pollKeys(this.prefix, system);
    multi.zadd(poll.open, 'NX', Date.now(), ticket.key);
    multi.expire(poll.open, POLLED_TTL_S);
    multi.hsetnx(poll.status, ticket.key, ticket.status);
    multi.expire(poll.status, POLLED_TTL_S);
    await multi.exec();
  }

  async specOf(system: TicketSystem, key: string): Promise<string | undefined> {
    return (await this.redis.get(this.specKey(system, key))) ?? undefined;
  }

  async reached(system: TicketSystem, key: string, stage: string): Promise<string | undefined> {
    return (await this.redis.hget(this.reachedKey(system, key), stage)) ?? undefined;
  }

  async setReached(system: TicketSystem, key: string, stage: string, status: string): Promise<void> {
    await this.redis.hset(this.reachedKey(system, key), stage, status);
  }

  async claim(system: TicketSystem, subject: TicketSubject, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.claimKey(system, subject), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(system: TicketSystem, subject: TicketSubject): Promise<void> {
    await this.redis.del(this.claimKey(system, subject));
  }

  async firstSight(system: TicketSystem, change: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.changeKey(system, change), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async forget(system: TicketSystem, change: string): Promise<void> {
    await this.redis.del(this.changeKey(system, change));
  }

  private changeKey(system: TicketSystem, change: string): string {
    return `${this.prefix}:tickets:${system}:change:${change}`;
  }

  async comment(system: TicketSystem, deliveryId: string): Promise<CommentRecord | undefined> {
    const raw = await this.redis.get(this.commentKey(system, deliveryId));
    return raw === 'pending' || raw === 'done' ? raw : undefined;
  }

  async setComment(system: TicketSystem, deliveryId: string, record: CommentRecord): Promise<void> {
    await this.redis.set(this.commentKey(system, deliveryId), record, 'EX', COMMENT_RECORD_TTL_S);
  }

  private commentKey(system: TicketSystem, deliveryId: string): string {
    return `${this.prefix}:tickets:${system}:comment:${deliveryId}`;
  }

  async sawStatus(system: TicketSystem, key: string, status: string): Promise<void> {
    await sawStatus(this.redis, this.prefix, system, key, status);
  }

  async lastStatus(system: TicketSystem, key: string): Promise<string | undefined> {
    return (await this.redis.hget(pollKeys(this.prefix, system).status, key)) ?? undefined;
  }

  async moving(system: TicketSystem, key: string, ttlMs: number): Promise<void> {
    await this.redis.set(pollKeys(this.prefix, system).moving(key), '1', 'PX', ttlMs);
  }

  async moved(system: TicketSystem, key: string): Promise<void> {
    await this.redis.del(pollKeys(this.prefix, system).moving(key));
  }

  async untrack(system: TicketSystem, key: string): Promise<void> {
    // The last status stays known (see TrackerPollState.untrack).
    await this.redis.zrem(pollKeys(this.prefix, system).open, key);
  }

  async webhookSeen(system: TicketSystem): Promise<void> {
    await webhookSeen(this.redis, this.prefix, system);
  }

  async takeUnannounced(system: TicketSystem, specId: string): Promise<TicketRef | undefined> {
    return parseTicket(await this.redis.getdel(unannouncedKey(this.prefix, system, specId)));
  }

  async setUnannounced(system: TicketSystem, specId: string, ticket: TicketRef): Promise<void> {
    await setUnannounced(this.redis, this.prefix, system, specId, ticket);
  }

  private linkKey(system: TicketSystem, subject: TicketSubject): string {
    return linkKey(this.prefix, system, subject);
  }

  private specKey(system: TicketSystem, key: string): string {
    return `${this.prefix}:tickets:${system}:spec-of:${key}`;
  }

  private reachedKey(system: TicketSystem, key: string): string {
    return `${this.prefix}:tickets:${system}:reached:${key}`;
  }

  private claimKey(system: TicketSystem, subject: TicketSubject): string {
    return `${this.prefix}:tickets:${system}:claim:${subjectKey(subject)}`;
  }
}

/**
 * The links of a process without Redis (`notify --direct`): remembered for the process's life.
 * Across runs the tracker's own search by spec id keeps create idempotent.
 */
export class ProcessTicketLinks implements TicketLinks {
  private readonly links = new Map<string, TicketLink>();
  private readonly specs = new Map<string, string>();
  private readonly claims = new Map<string, number>();
  private readonly stages = new Map<string, string>();
  private readonly comments = new Map<string, CommentRecord>();
  private readonly unannounced = new Map<string, TicketRef>();

  async get(system: TicketSystem, subject: TicketSubject): Promise<TicketLink | undefined> {
    return this.links.get(`${system}:${subjectKey(subject)}`);
  }

  async set(system: TicketSystem, subject: TicketSubject, ticket: TicketRef): Promise<void> {
    this.links.set(`${system}:${subjectKey(subject)}`, { key: ticket.key, url: ticket.url });
    if (subject.kind === 'spec') {
      this.specs.set(`${system}:${ticket.key}`, subject.id);
      this.unannounced.set(`${system}:${subject.id}`, ticket);
    }
  }

  async takeUnannounced(system: TicketSystem, specId: string): Promise<TicketRef | undefined> {
    const ticket = this.unannounced.get(`${system}:${specId}`);
    this.unannounced.delete(`${system}:${specId}`);
    return ticket;
  }

  async setUnannounced(system: TicketSystem, specId: string, ticket: TicketRef): Promise<void> {
    this.unannounced.set(`${system}:${specId}`, ticket);
  }

  async specOf(system: TicketSystem, key: string): Promise<string | undefined> {
    return this.specs.get(`${system}:${key}`);
  }

  async reached(system: TicketSystem, key: string, stage: string): Promise<string | undefined> {
    return this.stages.get(`${system}:${key}:${stage}`);
  }

  async setReached(system: TicketSystem, key: string, stage: string, status: string): Promise<void> {
    this.stages.set(`${system}:${key}:${stage}`, status);
  }

  async claim(system: TicketSystem, subject: TicketSubject, ttlMs: number): Promise<boolean> {
    const key = `${system}:${subjectKey(subject)}`;
    const until = this.claims.get(key);
    if (until !== undefined && until > Date.now()) return false;
    this.claims.set(key, Date.now() + ttlMs);
    return true;
  }

  async release(system: TicketSystem, subject: TicketSubject): Promise<void> {
    this.claims.delete(`${system}:${subjectKey(subject)}`);
  }

  async firstSight(system: TicketSystem, change: string, ttlMs: number): Promise<boolean> {
    const key = `${system}:change:${change}`;
    const until = this.claims.get(key);
    if (until !== undefined && until > Date.now()) return false;
    this.claims.set(key, Date.now() + ttlMs);
    return true;
  }

  async forget(system: TicketSystem, change: string): Promise<void> {
    this.claims.delete(`${system}:change:${change}`);
  }

  async comment(system: TicketSystem, deliveryId: string): Promise<CommentRecord | undefined> {
    return this.comments.get(`${system}:${deliveryId}`);
  }

  async setComment(system: TicketSystem, deliveryId: string, record: CommentRecord): Promise<void> {
    this.comments.set(`${system}:${deliveryId}`, record);
  }

  // Without Redis nothing polls a tracker (notify --direct runs no watch): there is no status to keep.
  async sawStatus(): Promise<void> {}
  async lastStatus(): Promise<string | undefined> {
    return undefined;
  }
  async moving(): Promise<void> {}
  async moved(): Promise<void> {}
  async untrack(): Promise<void> {}
  async webhookSeen(): Promise<void> {}
}

/** A spec's ticket on one tracker, as a card shows it. */
export interface SpecTicketLink extends TicketLink {
  system: TicketSystem;
}

/**
 * One spec's tickets across every enabled tracker, each read in one round trip: what a chat
 * delivery of a spec event shows, and the tickets whose opening chat has not been told yet.
 */
export class SpecTicketLinks {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly systems: readonly TicketSystem[],
  ) {}

  async of(specId: string): Promise<SpecTicketLink[]> {
    const subject: TicketSubject = { kind: 'spec', id: specId };
    const raw = await this.redis.mget(...this.systems.map((system) => linkKey(this.prefix, system, subject)));
    return this.systems.flatMap((system, i) => {
      const link = parseLink(raw[i] ?? null);
      return link ? [{ system, ...link }] : [];
    });
  }

  /** Takes every tracker's unannounced ticket for the spec (see TicketLinks.takeUnannounced). */
  async takeUnannounced(specId: string): Promise<{ system: TicketSystem; ticket: TicketRef }[]> {
    const multi = this.redis.multi();
    for (const system of this.systems) multi.getdel(unannouncedKey(this.prefix, system, specId));
    const results = (await multi.exec()) ?? [];
    return this.systems.flatMap((system, i) => {
      const [error, raw] = results[i] ?? [null, null];
      const ticket = error ? undefined : parseTicket(typeof raw === 'string' ? raw : null);
      return ticket ? [{ system, ticket }] : [];
    });
  }

  /** Puts a taken ticket back (see TicketLinks.setUnannounced). */
  async setUnannounced(system: TicketSystem, specId: string, ticket: TicketRef): Promise<void> {
    await setUnannounced(this.redis, this.prefix, system, specId, ticket);
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
