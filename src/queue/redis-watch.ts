import type { RedisClient } from '../core/redis-client.js';
import type { Logger } from '../observability/logger.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

/** ioredis and BullMQ say "the connection is gone" in words rather than codes. */
const CONNECTION_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/Connection is closed/i, 'CONNECTION_CLOSED'],
  [/Stream isn't writeable/i, 'CONNECTION_CLOSED'],
  [/Socket closed unexpectedly/i, 'CONNECTION_CLOSED'],
  [/Reached the max retries per request limit/i, 'MAX_RETRIES'],
  [/Command timed out/i, 'ETIMEDOUT'],
  // Redis Cluster and Sentinel topologies.
  [/Failed to refresh slots cache|None of startup nodes is available/i, 'CLUSTER_UNREACHABLE'],
  [/Cluster is disconnected|Cluster isn't ready/i, 'CONNECTION_CLOSED'],
  [/^CLUSTERDOWN/, 'CLUSTERDOWN'],
  [/All sentinels are unreachable/i, 'SENTINELS_UNREACHABLE'],
  // A failover: the server a connection was on became a replica, so the client moves on.
  [/^UNBLOCKED .*instance state changed/, 'FAILOVER'],
  [/^READONLY /, 'FAILOVER'],
];

/**
 * The code that says why Redis cannot be reached (`ECONNREFUSED`, `ETIMEDOUT`,
 * `CONNECTION_CLOSED` …), or undefined for an error that is not about the connection.
 */
export function connectionErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
  // Node reports a refused dual-stack connect as an AggregateError of the attempts.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = connectionErrorCode(inner);
      if (found) return found;
    }
  }
  for (const [pattern, name] of CONNECTION_MESSAGES) if (pattern.test(error.message)) return name;
  for (const known of CONNECTION_CODES) if (error.message.includes(known)) return known;
  return undefined;
}

export interface RedisWatchOptions {
  logger: Logger;
  /** While Redis stays unreachable, the outage is logged again this often, with how long it has lasted. */
  reminderIntervalMs: number;
}

interface Outage {
  since: number;
  /** The connection (or queue) that noticed first, and why. */
  noticedBy: string;
  code: string;
  errors: number;
  reminder: NodeJS.Timeout;
}

/**
 * One view of Redis for the whole process, so an outage is logged as one story instead of a
 * stack trace per queue per reconnect: a warning when it starts (which connection, the error
 * code), a reminder every `reminderIntervalMs` while it lasts, and an info line with the
 * duration when every watched connection is ready again.
 *
 * Watched connections decide when an outage ends. Workers and queues also report their
 * connection errors here (BullMQ forwards those of the shared connection and of each worker's
 * own blocking connection); they join an outage, but cannot end one.
 */
export class RedisWatch {
  private readonly watched = new Map<RedisClient, string>();
  private outage: Outage | undefined;

  constructor(private readonly options: RedisWatchOptions) {}

  /** True while an outage is open. */
  get down(): boolean {
    return this.outage !== undefined;
  }

  /** Watches a connection: its errors open an outage, and its return may close one. */
  connection(redis: RedisClient, name: string): RedisClient {
    this.watched.set(redis, name);
    redis.on('error', (error: Error) => {
      if (!this.absorb(name, error, true))
        this.options.logger.warn({ err: error, connection: name }, 'Redis connection error');
    });
    redis.on('ready', () => this.endIfAllReady());
    return redis;
  }

  /**
   * An 'error' event of a worker or queue. Returns false when the error is not about the
   * connection; the caller logs those as it would any other error.
   */
  report(source: string, error: unknown): boolean {
    return this.absorb(source, error, false);
  }

  private absorb(source: string, error: unknown, fromWatched: boolean): boolean {
    const code = connectionErrorCode(error);
    if (!code) return false;
    if (this.outage) this.outage.errors += 1;
    else if (fromWatched || this.anyWatchedDown()) this.open(source, code);
    // Otherwise a worker's own blocking connection lags behind the watched ones for a moment.
    else this.options.logger.debug({ source, code }, 'Redis connection error on a queue connection');
    return true;
  }

  /** Stops the reminders (on shutdown, when connections are closed on purpose). */
  close(): void {
    if (this.outage) clearInterval(this.outage.reminder);
    this.outage = undefined;
  }

  private open(source: string, code: string): void {
    const since = Date.now();
    const reminder = setInterval(() => this.remind(), this.options.reminderIntervalMs);
    reminder.unref();
    this.outage = { since, noticedBy: source, code, errors: 1, reminder };
    this.options.logger.warn(
      { connection: source, code },
      'Redis unreachable: queued work waits and new events are refused (503) until it returns',
    );
  }

  private remind(): void {
    const outage = this.outage;
    if (!outage) return;
    const downForMs = Date.now() - outage.since;
    this.options.logger.warn(
      { connection: outage.noticedBy, code: outage.code, downForMs, errors: outage.errors },
      `Redis still unreachable after ${formatDuration(downForMs)}`,
    );
  }

  private endIfAllReady(): void {
    const outage = this.outage;
    if (!outage || this.anyWatchedDown()) return;
    clearInterval(outage.reminder);
    this.outage = undefined;
    const downForMs = Date.now() - outage.since;
    this.options.logger.info(
      { downForMs, errors: outage.errors },
      `Redis reachable again after ${formatDuration(downForMs)}`,
    );
  }

  /** A connection closed on purpose ('end') or not yet used ('wait') is not down. */
  private anyWatchedDown(): boolean {
    for (const redis of this.watched.keys())
      if (redis.status !== 'ready' && redis.status !== 'end' && redis.status !== 'wait') return true;
    return false;
  }
}

export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${seconds % 60} s`;
}
