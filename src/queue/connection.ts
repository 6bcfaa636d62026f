import { RedisConnection } from 'bullmq';

/**
 * BullMQ's connection wrapper for the ioredis clients we share between queues and workers.
 *
 * When a queue or worker is closed while it is still setting up (Redis slow or stalled), BullMQ
 * drops every listener of its connection wrapper and later reports the failed set-up as an
 * `error` event that nobody hears, which Node turns into a crash (exit 1 instead of, say, the
 * "port in use" exit 3). Outages are already reported once by the Redis watch on the client
 * itself, so an error from a wrapper that has been closed has nothing left to tell.
 */
export class SharedRedisConnection extends RedisConnection {
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.listenerCount('error') === 0) return false;
    return super.emit(event, ...args);
  }
}
