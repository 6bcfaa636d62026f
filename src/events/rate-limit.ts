import type { StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/*
 * Sliding-window limits per destination, shared by every process through Redis. KEYS[1] is a
 * sorted set of send times, KEYS[2] the list of held events. In 'event' mode an event that may
 * not go now (or that would overtake events already held) is appended to the held list; in
 * 'digest' mode only a send slot is reserved. Returns {admitted, retryAt}.
 */
const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local maxHour = tonumber(ARGV[2])
local maxDay = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ${DAY})
local retryAt = 0
if maxHour > 0 then
  local inHour = redis.call('ZCOUNT', KEYS[1], now - ${HOUR}, '+inf')
  if inHour >= maxHour then
    local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], now - ${HOUR}, '+inf', 'WITHSCORES', 'LIMIT', inHour - maxHour, 1)
    retryAt = math.max(retryAt, tonumber(oldest[2]) + ${HOUR})
  end
end
if maxDay > 0 then
  local inDay = redis.call('ZCARD', KEYS[1])
  if inDay >= maxDay then
    local oldest = redis.call('ZRANGE', KEYS[1], inDay - maxDay, inDay - maxDay, 'WITHSCORES')
    retryAt = math.max(retryAt, tonumber(oldest[2]) + ${DAY})
  end
end
if ARGV[5] == 'event' then
  local held = redis.call('LLEN', KEYS[2])
  if retryAt > 0 or held > 0 then
    redis.call('RPUSH', KEYS[2], ARGV[6])
    if retryAt == 0 then retryAt = now end
    return {0, retryAt}
  end
elseif retryAt > 0 then
  return {0, retryAt}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ${DAY})
return {1, 0}
`;

/** Moves the held list aside for one digest job (idempotent across that job's retries). */
const TAKE_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('LRANGE', KEYS[2], 0, -1)
`;

export interface RateLimits {
  maxPerHour?: number;
  maxPerDay?: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAt: number };

export class NotificationRateLimiter {
  private sequence = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly limits: RateLimits,
  ) {}

  get active(): boolean {
    return this.limits.maxPerHour !== undefined || this.limits.maxPerDay !== undefined;
  }

  /** Sends now, or holds the event for the digest and says when the window next allows a send. */
  admitEvent(destination: string, event: StoredEvent, now = Date.now()): Promise<Admission> {
    return this.run(destination, 'event', JSON.stringify(event), now);
  }

  /** Reserves a send slot for one digest message. */
  admitDigest(destination: string, now = Date.now()): Promise<Admission> {
    return this.run(destination, 'digest', '', now);
  }

  /** Takes the held events into a batch owned by `batchId`; the same call again returns the same batch. */
  async takeHeld(destination: string, batchId: string): Promise<StoredEvent[]> {
    const raw = (await this.redis.eval(
      TAKE_SCRIPT,
      2,
      this.heldKey(destination),
      this.batchKey(destination, batchId),
    )) as string[];
    return raw.map((item) => JSON.parse(item) as StoredEvent);
  }

  async finishBatch(destination: string, batchId: string): Promise<void> {
    await this.redis.del(this.batchKey(destination, batchId));
  }

  async heldCount(destination: string): Promise<number> {
    return this.redis.llen(this.heldKey(destination));
  }

  private async run(
    destination: string,
    mode: 'event' | 'digest',
    held: string,
    now: number,
  ): Promise<Admission> {
    const member = `${now}-${process.pid}-${this.sequence++}`;
    const [admitted, retryAt] = (await this.redis.eval(
      ADMIT_SCRIPT,
      2,
      this.sentKey(destination),
      this.heldKey(destination),
      now,
      this.limits.maxPerHour ?? 0,
      this.limits.maxPerDay ?? 0,
      member,
      mode,
      held,
    )) as [number, number];
    return admitted === 1 ? { admitted: true } : { admitted: false, retryAt };
  }

  private sentKey(destination: string): string {
    return `${this.keyPrefix}:ratelimit:${destination}:sent`;
  }

  private heldKey(destination: string): string {
    return `${this.keyPrefix}:ratelimit:${destination}:held`;
  }

  private batchKey(destination: string, batchId: string): string {
    return `${this.keyPrefix}:ratelimit:${destination}:batch:${batchId}`;
  }
}
