import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { describeEndpoint, type RedisEndpoint } from '../config/redis.js';
import type { RedisClient } from '../core/redis-client.js';

export type { RedisClient };

/** Who the connection is for: ingress (fails fast) or workers (BullMQ's blocking commands). */
type Purpose = { kind: 'producer'; commandTimeoutMs: number } | { kind: 'worker' };

const retryStrategy = (times: number) => Math.min(times * 200, 2_000);

function endpointOf(target: RedisEndpoint | string): RedisEndpoint {
  return typeof target === 'string' ? { mode: 'standalone', url: target } : target;
}

/** Options that say how a connection behaves, whatever the topology. */
function behaviour(purpose: Purpose): RedisOptions {
  if (purpose.kind === 'producer') {
    return {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: purpose.commandTimeoutMs,
      connectTimeout: Math.max(purpose.commandTimeoutMs, 1_000),
      enableAutoPipelining: true,
    };
  }
  return { maxRetriesPerRequest: null, enableReadyCheck: true, enableAutoPipelining: true };
}

/**
 * After a Sentinel failover the old master may come back as a replica while a connection still
 * points at it: writes then fail with READONLY. Reconnecting asks the sentinels for the new master
 * and resends the command.
 */
const reconnectOnReadOnly = (error: Error) => (error.message.startsWith('READONLY') ? 2 : false);

/** The one place a Redis client is made, for every topology and purpose. */
export function createRedisClient(target: RedisEndpoint | string, purpose: Purpose): RedisClient {
  const endpoint = endpointOf(target);
  const options = behaviour(purpose);
  switch (endpoint.mode) {
    case 'standalone':
      return new Redis(endpoint.url, {
        ...options,
        username: endpoint.username,
        password: endpoint.password,
        retryStrategy,
      });
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: endpoint.sentinels,
        name: endpoint.name,
        db: endpoint.db,
        username: endpoint.username,
        password: endpoint.password,
        sentinelPassword: endpoint.sentinel_password,
        ...(endpoint.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        retryStrategy,
        sentinelRetryStrategy: retryStrategy,
        // Follow +switch-master at once instead of waiting for the old master's connection to drop.
        failoverDetector: true,
        reconnectOnError: reconnectOnReadOnly,
      });
    case 'cluster': {
      const { enableOfflineQueue, enableAutoPipelining, enableReadyCheck, ...perNode } = options;
      const clusterOptions: ClusterOptions = {
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
        ...(enableReadyCheck === undefined ? {} : { enableReadyCheck }),
        clusterRetryStrategy: retryStrategy,
        // With TLS the certificate names the host: connect by name, not by the resolved address.
        ...(endpoint.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
        redisOptions: {
          ...perNode,
          username: endpoint.username,
          password: endpoint.password,
          ...(endpoint.tls ? { tls: {} } : {}),
        },
      };
      return new Cluster(endpoint.nodes, clusterOptions);
    }
  }
}

/**
 * Producer connection for ingress: no offline queue and a command deadline, so a request made
 * while Redis is unreachable fails within `commandTimeoutMs` (the HTTP layer answers 503)
 * instead of waiting for a reconnect.
 */
export function producerConnection(target: RedisEndpoint | string, commandTimeoutMs: number): RedisClient {
  return createRedisClient(target, { kind: 'producer', commandTimeoutMs });
}

/** Worker connection: BullMQ's blocking commands need unlimited retries and no command deadline. */
export function workerConnection(target: RedisEndpoint | string): RedisClient {
  return createRedisClient(target, { kind: 'worker' });
}

/** Where a client connects, for messages (never a password). */
export function describeTarget(target: RedisEndpoint | string): string {
  return describeEndpoint(endpointOf(target));
}

/** The servers a SCAN must visit to see every key: each master of a Cluster, else the one server. */
export function scanTargets(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Every key matching a glob, on every master. SCAN walks the whole key space of a server, which
 * may be shared with other applications: large steps keep the round trips few (a quarter of a
 * million keys: about 50 instead of 500), each still only a few milliseconds of Redis's time.
 */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const keys = new Set<string>();
  for (const node of scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
      cursor = next;
      for (const key of found) keys.add(key);
    } while (cursor !== '0');
  }
  return [...keys];
}

/** Resolves once the connection is ready; rejects after `timeoutMs` (the connection keeps retrying). */
export function waitUntilReady(redis: RedisClient, timeoutMs: number): Promise<void> {
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
