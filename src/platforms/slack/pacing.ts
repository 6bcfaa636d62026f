import type { RedisClient } from '../../core/redis-client.js';
import { runScript } from '../../core/redis-script.js';

/*
 * KEYS[1] the channel's next free posting slot (ms), KEYS[2] the channel's pause (ms, after a 429).
 * ARGV[1] interval ms, ARGV[2] longest acceptable wait ms, ARGV[3] 1 = reserve a posting slot.
 * Returns {wait ms, reserved 1/0}. Redis's clock is the one clock every process shares.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0'))
local wait = at - now
if wait > tonumber(ARGV[2]) then return {wait, 0} end
if ARGV[3] == '1' then
  local nxt = at + tonumber(ARGV[1])
  redis.call('SET', KEYS[1], nxt, 'PX', nxt - now + 1000)
end
return {wait, 1}
`;

/* KEYS[1] the channel's pause; ARGV[1] pause ms. Only ever extends a pause. */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]) + 1000)
end
return untilMs - now
`;

export interface PacingOptions {
  /** Slack allows about one message per second per channel. */
  intervalMs?: number;
  /**
   * A call that would wait longer than this is not held in a worker slot: it fails as rate
   * limited and the queue retries it after the wait without spending an attempt. Short waits (a
   * thread reply right after its parent card) are cheaper slept through in place.
   */
  maxWaitMs?: number;
}

export type Slot = { granted: true; waitMs: number } | { granted: false; waitMs: number };

/**
 * Per-channel pacing shared by every process through Redis. Posting reserves the channel's next
 * slot (so concurrent workers queue up one second apart instead of all hitting Slack); a 429
 * pauses the channel for its Retry-After, for posts, updates and ephemeral messages alike.
 */
export class ChannelPacer {
  readonly intervalMs: number;
  readonly maxWaitMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    options: PacingOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxWaitMs = options.maxWaitMs ?? 2_000;
  }

  /** For a post: the channel's next slot, taken. Slack channel ids are unique across workspaces. */
  reservePost(channel: string): Promise<Slot> {
    return this.run(channel, true);
  }

  /** For anything else sent to the channel: only a 429 pause holds it back. */
  clearance(channel: string): Promise<Slot> {
    return this.run(channel, false);
  }

  async pause(channel: string, ms: number): Promise<void> {
    await runScript(this.redis, PAUSE, [this.key('pause', channel)], [Math.max(0, Math.ceil(ms))]);
  }

  private async run(channel: string, reserve: boolean): Promise<Slot> {
    const keys = [this.key(reserve ? 'slot' : 'none', channel), this.key('pause', channel)];
    const [wait, granted] = (await runScript(this.redis, RESERVE, keys, [
      this.intervalMs,
      this.maxWaitMs,
      reserve ? '1' : '0',
    ])) as [number, number];
    return { granted: granted === 1, waitMs: Math.max(0, wait) } as Slot;
  }

  /** The hash tag keeps a channel's keys in one Cluster slot, as a script needs. */
  private key(kind: string, channel: string): string {
    return `${this.prefix}:slack:pace:{${channel}}:${kind}`;
  }
}
