import type { RedisClient } from '../core/redis-client.js';
import { runScript } from '../core/redis-script.js';
import { deliveryDedupKey, type EventWrite, eventDedupKey } from './event-writer.js';
import { type DeliveryJobData, deliveryIdFor } from './jobs.js';

/*
 * Stores a batch of accepted events in one script call. KEYS[1] is the outbox (a sorted set of
 * delivery ids scored by their lease's end), KEYS[2] the deliveries' job data by id, then, for
 * each event whose sender chose the id, in order: its dedup key and the BullMQ deduplication key
 * of each of its deliveries. ARGV[1] is the lease's end, ARGV[2] the dedup window; then per event
 * a dedup flag, its delivery count n and n pairs of (delivery id, job data). An event whose dedup
 * key exists already stores nothing. The deliveries' BullMQ keys are what an ingress-only
 * process's job for the same delivery would find, so a repeat sent there adds no job either.
 * Returns 1 per stored event and 0 per repeat.
 */
const WRITE = `
local leaseEnd = ARGV[1]
local window = ARGV[2]
local stored = {}
local a = 3
local k = 3
while a <= #ARGV do
  local n = tonumber(ARGV[a + 1])
  local dedup = ARGV[a] == '1'
  local fresh = true
  if dedup then
    fresh = redis.call('SET', KEYS[k], '1', 'PX', window, 'NX')
    k = k + 1
  end
  a = a + 2
  if fresh then
    for i = a, a + 2 * n - 1, 2 do
      redis.call('ZADD', KEYS[1], leaseEnd, ARGV[i])
      redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
      if dedup then
        redis.call('SET', KEYS[k], ARGV[i], 'PX', window)
        k = k + 1
      end
    end
    stored[#stored + 1] = 1
  else
    if dedup then k = k + n end
    stored[#stored + 1] = 0
  end
  a = a + 2 * n
end
return stored
`;

/* Takes up to ARGV[3] deliveries whose lease ended by ARGV[1], leasing them again until ARGV[2]. */
const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local taken = {}
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
  taken[#taken + 1] = id
  taken[#taken + 1] = redis.call('HGET', KEYS[2], id) or ''
end
return taken
`;

const SETTLE = `
redis.call('ZREM', KEYS[1], unpack(ARGV))
redis.call('HDEL', KEYS[2], unpack(ARGV))
return #ARGV
`;

/** Lua's stack limits how many ids one call may unpack; larger lists go in several calls. */
const MAX_IDS_PER_CALL = 1_000;

export interface OutboxOptions {
  /** A repeat of a sender's event id within this window stores nothing. */
  dedupWindowMs: number;
  /** How long a delivery belongs to the process that stored it before any worker may take it. */
  leaseMs: number;
}

export interface ClaimedDelivery {
  id: string;
  /** Absent when its data went missing (it was settled while being claimed): nothing to do. */
  data?: DeliveryJobData;
}

/**
 * Deliveries stored at ingress for the accepting process to attempt itself (src/events/fast-lane.ts):
 * durable before the 202 like a queued job, but without a job's round trips when the first
 * attempt succeeds. Each delivery is leased to that process; while its attempt runs the lease is
 * renewed, and when the process dies the lease ends and a worker moves the delivery into its
 * destination's queue (src/events/outbox-sweeper.ts). A delivery leaves the outbox once it was
 * delivered or handed to its queue.
 */
export class Outbox {
  private readonly zset: string;
  private readonly data: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly options: OutboxOptions,
  ) {
    this.zset = outboxKey(prefix);
    this.data = `${prefix}:outbox:jobs`;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  /** Stores the batch in one round trip; resolves per event whether it was a repeat. */
  async write(batch: readonly EventWrite[]): Promise<boolean[]> {
    const keys = [this.zset, this.data];
    const args: Array<string | number> = [Date.now() + this.options.leaseMs, this.options.dedupWindowMs];
    for (const { event, deduplicate, destinations } of batch) {
      if (deduplicate) keys.push(eventDedupKey(this.prefix, event.id));
      args.push(deduplicate ? '1' : '0', destinations.length);
      for (const { key } of destinations) {
        const deliveryId = deliveryIdFor(event.id, key);
        if (deduplicate) keys.push(deliveryDedupKey(this.prefix, key, deliveryId));
        const data: DeliveryJobData = { event, connector: key, deliveryId, deferrals: 0 };
        args.push(deliveryId, JSON.stringify(data));
      }
    }
    const stored = (await runScript(this.redis, WRITE, keys, args)) as number[];
    if (stored.length !== batch.length) throw new Error('the outbox answered for a different batch');
    return stored.map((flag) => flag !== 1);
  }

  /** Removes deliveries that were delivered or handed to their queue. */
  async settle(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL)
      await runScript(this.redis, SETTLE, [this.zset, this.data], ids.slice(i, i + MAX_IDS_PER_CALL));
  }

  /** Extends the leases of deliveries still being attempted (ids already settled stay gone). */
  async renew(ids: readonly string[]): Promise<void> {
    const leaseEnd = Date.now() + this.options.leaseMs;
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      const members = ids.slice(i, i + MAX_IDS_PER_CALL).flatMap((id) => [leaseEnd, id]);
      await this.redis.zadd(this.zset, 'XX', ...members);
    }
  }

  /** Deliveries whose lease ended, leased again to the caller for `leaseMs`. */
  async claimDue(limit: number): Promise<ClaimedDelivery[]> {
    const now = Date.now();
    const flat = (await runScript(
      this.redis,
      CLAIM,
      [this.zset, this.data],
      [now, now + this.options.leaseMs, limit],
    )) as string[];
    const claimed: ClaimedDelivery[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i] as string;
      const raw = flat[i + 1];
      claimed.push(raw ? { id, data: JSON.parse(raw) as DeliveryJobData } : { id });
    }
    return claimed;
  }

  /** How many deliveries are stored and not yet delivered or queued. */
  size(): Promise<number> {
    return outboxSize(this.redis, this.prefix);
  }
}

function outboxKey(prefix: string): string {
  return `${prefix}:outbox`;
}

/** Deliveries in the outbox: first attempts in flight, and those a stopped process left for a worker. */
export function outboxSize(redis: RedisClient, prefix: string): Promise<number> {
  return redis.zcard(outboxKey(prefix));
}
