import type { RedisClient } from '../../core/redis-client.js';

/** What one poll tick of a pager did; the last one is kept in Redis for operators and tests. */
export type PollOutcome =
  | 'off'
  | 'busy'
  | 'idle'
  | 'paused'
  | 'rate_limited'
  | 'auth_failed'
  | 'failed'
  | 'polled';

export interface PollRecord {
  ticks: number;
  outcome?: PollOutcome;
  /** Epoch ms of the last tick, of the last verified webhook, of the first refused read, until when to wait. */
  at?: number;
  webhookSeenAt?: number;
  authFailedAt?: number;
  retryAt?: number;
}

const RETENTION_SECONDS = 90 * 86_400;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The polling fallback's state in Redis, shared by every process: the incidents each pager was
 * paged for and that are still open (a sorted set by paging time), and one hash per pager with
 * the last verified webhook, a refused read, a rate limit and the last tick.
 */
export class PollState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The pager has an alert for this incident now: it is polled until it is resolved. */
  async track(pager: string, incidentId: string, at = Date.now()): Promise<void> {
    const key = this.openKey(pager);
    await this.redis.multi().zadd(key, 'NX', at, incidentId).expire(key, RETENTION_SECONDS).exec();
  }

  async untrack(pager: string, incidentId: string): Promise<void> {
    await this.redis.zrem(this.openKey(pager), incidentId);
  }

  /** Open incidents at a pager, oldest first, at most `limit`. */
  tracked(pager: string, limit: number): Promise<string[]> {
    return this.redis.zrange(this.openKey(pager), 0, limit - 1);
  }

  /** A verified webhook from the pager arrived: it can reach us, so polling pauses. */
  async webhookSeen(pager: string, at = Date.now()): Promise<void> {
    await this.set(pager, { webhook_seen_at: String(at) });
  }

  async read(pager: string): Promise<PollRecord> {
    const raw = await this.redis.hgetall(this.stateKey(pager));
    const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    return {
      ticks: number(raw.ticks) ?? 0,
      outcome: raw.outcome as PollOutcome | undefined,
      at: number(raw.at),
      webhookSeenAt: number(raw.webhook_seen_at),
      authFailedAt: number(raw.auth_failed_at),
      retryAt: number(raw.retry_at),
    };
  }

  async recordTick(pager: string, outcome: PollOutcome, at = Date.now()): Promise<void> {
    const key = this.stateKey(pager);
    await this.redis
      .multi()
      .hincrby(key, 'ticks', 1)
      .hset(key, { outcome, at: String(at) })
      .expire(key, RETENTION_SECONDS)
      .exec();
  }

  /** True for the first refusal since reads last worked: only that one is worth a warning. */
  async authFailed(pager: string, at = Date.now()): Promise<boolean> {
    return (await this.redis.hsetnx(this.stateKey(pager), 'auth_failed_at', String(at))) === 1;
  }

  /** True when a refusal had been recorded, i.e. reads work again. */
  async authWorks(pager: string): Promise<boolean> {
    return (await this.redis.hdel(this.stateKey(pager), 'auth_failed_at')) === 1;
  }

  async rateLimitedUntil(pager: string, until: number): Promise<void> {
    await this.set(pager, { retry_at: String(until) });
  }

  /** One tick of a pager at a time across processes; undefined when another one holds it. */
  async lock(pager: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const key = `${this.stateKey(pager)}:lock`;
    const token = `${process.pid}.${Math.random().toString(36).slice(2)}`;
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    return async () => {
      await this.redis.eval(RELEASE, 1, key, token);
    };
  }

  private async set(pager: string, fields: Record<string, string>): Promise<void> {
    const key = this.stateKey(pager);
    await this.redis.multi().hset(key, fields).expire(key, RETENTION_SECONDS).exec();
  }

  private stateKey(pager: string): string {
    return `${this.prefix}:pager-poll:${pager}`;
  }

  private openKey(pager: string): string {
    return `${this.prefix}:pager-poll:${pager}:open`;
  }
}
