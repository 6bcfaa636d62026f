import type { RedisClient } from '../../core/redis-client.js';
import type { TicketSystem } from './tracker.js';

/** What one status-poll tick of a tracker did; the last one is kept for operators and tests. */
export type TrackerPollOutcome = 'idle' | 'paused' | 'rate_limited' | 'auth_failed' | 'failed' | 'polled';

export interface TrackerPollRecord {
  ticks: number;
  outcome?: TrackerPollOutcome;
  /** Epoch ms of the last verified webhook, of the first refused read, until when to wait. */
  webhookSeenAt?: number;
  authFailedAt?: number;
  retryAt?: number;
}

const RETENTION_S = 90 * 86_400;

/**
 * Key names of a tracker's status memory, shared by the links store (which writes what
 * Threadline itself made or saw) and the poller (which reads it).
 */
export function pollKeys(prefix: string, system: TicketSystem) {
  const base = `${prefix}:tickets:${system}:poll`;
  return {
    /** Linked tickets still polled, scored by when each was last read: least recently read first. */
    open: `${base}:open`,
    /** Ticket key → the status last seen or made (by a webhook, a poll or Threadline's own move). */
    status: `${base}:status`,
    /** Ticket key → how many status changes were seen: names the next one a poll shows. */
    changes: `${base}:changes`,
    /** Set while Threadline moves the ticket itself, so a poll in between takes nothing for a change. */
    moving: (key: string) => `${base}:moving:${key}`,
    state: `${base}:state`,
    turn: `${base}:turn`,
  };
}

/**
 * Records a status only for a ticket that is polled or was (a finished ticket may be reopened),
 * so webhooks for other tickets leave no trace.
 */
const SAW_STATUS = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
return 1`;

/** Writes of the status memory, made through the ticket links (Redis-backed processes only). */
export async function sawStatus(
  redis: RedisClient,
  prefix: string,
  system: TicketSystem,
  key: string,
  status: string,
): Promise<void> {
  const keys = pollKeys(prefix, system);
  await redis.eval(SAW_STATUS, 3, keys.open, keys.status, keys.changes, key, status);
}

/** What a poll knows of a ticket before reading it. */
export interface KnownTicket {
  status?: string;
  changes: number;
  moving: boolean;
}

/**
 * The status-polling fallback's state in Redis for one tracker, shared by every process: the
 * linked tickets to read, what was last seen of each, the last verified webhook, a refused read
 * or a rate limit, and the turn that lets one process poll per cadence.
 */
export class TrackerPollState {
  private readonly keys: ReturnType<typeof pollKeys>;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    system: TicketSystem,
  ) {
    this.keys = pollKeys(prefix, system);
  }

  /** True for the one process that polls this cadence. */
  async takeTurn(ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.turn, String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** The tickets to read this tick: least recently read first, at most `limit`. */
  due(limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.open, 0, limit - 1);
  }

  async known(keys: readonly string[]): Promise<Map<string, KnownTicket>> {
    const known = new Map<string, KnownTicket>();
    if (keys.length === 0) return known;
    const multi = this.redis.multi();
    multi.hmget(this.keys.status, ...keys);
    multi.hmget(this.keys.changes, ...keys);
    for (const key of keys) multi.exists(this.keys.moving(key));
    const results = (await multi.exec()) ?? [];
    const column = (i: number): (string | null)[] => {
      const [error, value] = results[i] ?? [null, null];
      return !error && Array.isArray(value) ? (value as (string | null)[]) : [];
    };
    const statuses = column(0);
    const changes = column(1);
    keys.forEach((key, i) => {
      const [error, moving] = results[2 + i] ?? [null, 0];
      known.set(key, {
        ...(statuses[i] ? { status: statuses[i] } : {}),
        changes: Number(changes[i] ?? 0),
        moving: !error && moving === 1,
      });
    });
    return known;
  }

  /** A read was made: the ticket goes to the back of the line. */
  async read(key: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.open, 'XX', at, key);
  }

  /** The first sight of a ticket (or one with no status yet): recorded, nothing announced. */
  async first(key: string, status: string): Promise<void> {
    await this.redis.hsetnx(this.keys.status, key, status);
  }

  /**
   * No longer read. Its last status stays known, so a late webhook of the change that finished it
   * is not shown twice, and a webhook reopening it is still compared with it.
   */
  async untrack(key: string): Promise<void> {
    await this.redis.zrem(this.keys.open, key);
  }

  async record(): Promise<TrackerPollRecord> {
    const raw = await this.redis.hgetall(this.keys.state);
    const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    return {
      ticks: number(raw.ticks) ?? 0,
      ...(raw.outcome ? { outcome: raw.outcome as TrackerPollOutcome } : {}),
      ...(raw.webhook_seen_at ? { webhookSeenAt: Number(raw.webhook_seen_at) } : {}),
      ...(raw.auth_failed_at ? { authFailedAt: Number(raw.auth_failed_at) } : {}),
      ...(raw.retry_at ? { retryAt: Number(raw.retry_at) } : {}),
    };
  }

  async recordTick(outcome: TrackerPollOutcome, at: number): Promise<void> {
    await this.redis
      .multi()
      .hincrby(this.keys.state, 'ticks', 1)
      .hset(this.keys.state, { outcome, at: String(at) })
      .expire(this.keys.state, RETENTION_S)
      .exec();
  }

  /** True for the first refusal since reads last worked: only that one is worth a warning. */
  async authFailed(at: number): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.state, 'auth_failed_at', String(at))) === 1;
  }

  /** True when a refusal had been recorded, i.e. reads work again. */
  async authWorks(): Promise<boolean> {
    return (await this.redis.hdel(this.keys.state, 'auth_failed_at')) === 1;
  }

  async rateLimitedUntil(until: number): Promise<void> {
    await this.redis.hset(this.keys.state, 'retry_at', String(until));
  }
}

/** A verified webhook from the tracker arrived: it can reach us, so polling pauses. */
export async function webhookSeen(
  redis: RedisClient,
  prefix: string,
  system: TicketSystem,
  at = Date.now(),
): Promise<void> {
  const { state } = pollKeys(prefix, system);
  await redis.multi().hset(state, 'webhook_seen_at', String(at)).expire(state, RETENTION_S).exec();
}
