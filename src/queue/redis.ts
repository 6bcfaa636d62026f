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
  } satisfies RedisOptions);
}

/** Worker connection: BullMQ's blocking commands need unlimited retries and no command deadline. */
export function workerConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}
