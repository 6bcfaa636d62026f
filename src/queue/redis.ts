import { Redis, type RedisOptions } from 'ioredis';

export type RedisConnection = Redis;

/**
 * Producer connection for ingress: no offline queue and a command deadline, so a request made
 * while Redis is unreachable fails within `commandTimeoutMs` (the HTTP layer answers 503)
 * instead of waiting for a reconnect.
 */
export function producerConnection(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1_000),
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
    enableAutoPipelining: true,
  } satisfies RedisOptions);
}

/** Worker connection: BullMQ's blocking commands need unlimited retries and no command deadline. */
export function workerConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/** Resolves once the connection is ready; rejects after `timeoutMs` (the connection keeps retrying). */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
