import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisEndpoint } from '../../src/config/redis.js';
import { createRedisClient, type RedisClient } from '../../src/queue/redis.js';

/** What the factory asks of ioredis for each topology and purpose (nothing listens on port 1). */
describe('the Redis client factory', () => {
  const made: RedisClient[] = [];
  afterEach(() => {
    for (const client of made.splice(0)) client.disconnect();
  });
  function make(endpoint: RedisEndpoint, purpose: Parameters<typeof createRedisClient>[1]): RedisClient {
    const client = createRedisClient(endpoint, purpose);
    client.on('error', () => {});
    made.push(client);
    return client;
  }
  const cluster: RedisEndpoint = {
    mode: 'cluster',
    nodes: [{ host: '127.0.0.1', port: 1 }],
    tls: true,
    password: 'cluster-password',
  };

  it('gives Cluster workers unlimited retries per request on every node, as BullMQ’s blocking commands need', () => {
    const client = make(cluster, { kind: 'worker' });
    expect(client).toBeInstanceOf(Cluster);
    const { redisOptions } = (client as Cluster).options;
    expect(redisOptions?.maxRetriesPerRequest).toBeNull();
    expect(redisOptions?.commandTimeout).toBeUndefined();
    expect(redisOptions?.password).toBe('cluster-password');
  });

  it('gives a Cluster producer a deadline and no offline queue, and keeps host names for TLS', () => {
    const client = make(cluster, { kind: 'producer', commandTimeoutMs: 750 }) as Cluster;
    expect(client.options.enableOfflineQueue).toBe(false);
    expect(client.options.redisOptions?.commandTimeout).toBe(750);
    expect(client.options.redisOptions?.tls).toEqual({});
    const looked: string[] = [];
    client.options.dnsLookup?.('redis.example.internal', (_error, address) => looked.push(address));
    expect(looked).toEqual(['redis.example.internal']);
  });

  it('asks the sentinels for the master, follows switches, and reconnects on READONLY', () => {
    const client = make(
      {
        mode: 'sentinel',
        sentinels: [{ host: '127.0.0.1', port: 1 }],
        name: 'mymaster',
        db: 2,
        tls: false,
        password: 'master-password',
        sentinel_password: 'sentinel-password',
      },
      { kind: 'worker' },
    ) as Redis;
    expect(client).toBeInstanceOf(Redis);
    expect(client.options).toMatchObject({
      sentinels: [{ host: '127.0.0.1', port: 1 }],
      name: 'mymaster',
      db: 2,
      password: 'master-password',
      sentinelPassword: 'sentinel-password',
      failoverDetector: true,
      maxRetriesPerRequest: null,
    });
    const reconnect = client.options.reconnectOnError as (error: Error) => boolean | 1 | 2;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('passes a password key to a single Redis whose URL has none', () => {
    const client = make(
      { mode: 'standalone', url: 'redis://127.0.0.1:1/3', password: 'from-the-key' },
      { kind: 'producer', commandTimeoutMs: 500 },
    ) as Redis;
    expect(client.options).toMatchObject({ port: 1, db: 3, password: 'from-the-key', commandTimeout: 500 });
  });
});
