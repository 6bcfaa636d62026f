import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformRegistry } from '../../src/chat/platform.js';
import { SubjectThreads } from '../../src/chat/threads.js';
import { parseConfigText } from '../../src/config/load.js';
import type { Card } from '../../src/core/card.js';
import type { StoredEvent } from '../../src/core/payload.js';
import type { RedisClient } from '../../src/core/redis-client.js';
import { NotificationRateLimiter } from '../../src/events/rate-limit.js';
import { ConsolePlatform } from '../../src/platforms/console/platform.js';
import { deliveryQueueName } from '../../src/queue/jobs.js';
import { QueueSet } from '../../src/queue/queues.js';
import { producerConnection, scanKeys, waitUntilReady, workerConnection } from '../../src/queue/redis.js';
import { uniquePrefix } from '../support/redis.js';
import { LocalRedisCluster, LocalRedisSentinel, missingBinaries } from '../support/redis-topology.js';
import { waitFor } from '../support/wait.js';

/** The one client factory builds working clients for a Redis Cluster and for Sentinel. */

const clusterSkip = missingBinaries('redis-server', 'redis-cli');
if (clusterSkip) console.warn(`Redis Cluster client tests ${clusterSkip}`);

describe.skipIf(clusterSkip !== undefined)('clients for a Redis Cluster with a password', () => {
  const cluster = new LocalRedisCluster('cluster-secret-0123');
  beforeAll(() => cluster.start(), 60_000);
  afterAll(() => cluster.stop());

  function configFor(prefix: string) {
    const nodes = cluster.ports.map((port) => `"127.0.0.1:${port}"`).join(', ');
    return parseConfigText(
      `redis: { cluster: { nodes: [${nodes}] }, password: "\${REDIS_PASSWORD}", prefix: ${prefix} }\n`,
      { REDIS_PASSWORD: 'cluster-secret-0123' },
    ).config.redis;
  }

  it('puts every key of every queue in one slot and finds the queues with a SCAN of every master', async () => {
    const settings = configFor(uniquePrefix('cluster'));
    const producer = producerConnection(settings.endpoint, 2_000);
    const writer = new QueueSet(producer, settings.prefix);
    const reader = new QueueSet(producer, settings.prefix);
    try {
      expect(producer).toBeInstanceOf(Cluster);
      await waitUntilReady(producer, 10_000);
      for (const key of ['a', 'b', 'c'])
        await writer.named<{ n: number }>(deliveryQueueName(`webhooks.${key}`)).add('deliver', { n: 1 });

      expect(await reader.knownDeliveryKeys()).toEqual(['webhooks.a', 'webhooks.b', 'webhooks.c']);
      const keys = await scanKeys(producer, `${settings.prefix}:*`);
      expect(keys.length).toBeGreaterThan(8);
      const slots = new Set(await Promise.all(keys.map((key) => producer.cluster('KEYSLOT', key))));
      expect(slots.size).toBe(1);
    } finally {
      await writer.close();
      await reader.close();
      producer.disconnect();
    }
  });

  it('scans keys on every master, whichever slot they hash to', async () => {
    const prefix = uniquePrefix('spread');
    const client = workerConnection(configFor(prefix).endpoint);
    try {
      await waitUntilReady(client, 10_000);
      const written = Array.from({ length: 30 }, (_, i) => `${prefix}:${i}`);
      for (const key of written) await client.set(key, '1');
      const owners = new Set(
        await Promise.all(
          written.map(async (key) => {
            const slot = (await client.cluster('KEYSLOT', key)) as number;
            return (client as Cluster).slots[slot]?.[0];
          }),
        ),
      );
      expect(owners.size).toBe(3);
      expect((await scanKeys(client, `${prefix}:*`)).sort()).toEqual([...written].sort());
    } finally {
      client.disconnect();
    }
  });
});

describe.skipIf(clusterSkip !== undefined)('Threadline’s own keys on a Redis Cluster', () => {
  const cluster = new LocalRedisCluster();
  let client: RedisClient;
  let prefix = '';
  beforeAll(async () => {
    await cluster.start();
    const nodes = cluster.ports.map((port) => `"127.0.0.1:${port}"`).join(', ');
    const settings = parseConfigText(
      `redis: { cluster: { nodes: [${nodes}] }, prefix: ${uniquePrefix('own')} }\n`,
      {},
    ).config.redis;
    prefix = settings.prefix;
    client = workerConnection(settings.endpoint);
    await waitUntilReady(client, 10_000);
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster.stop();
  });

  it('runs the rate limit’s two-key scripts: one send admitted, the next held and taken for a digest', async () => {
    const limiter = new NotificationRateLimiter(client, prefix, { maxPerHour: 1 });
    const event = (id: string): StoredEvent => ({
      id,
      receivedAt: Date.now(),
      payload: {
        id,
        event: 'implementation_failed',
        timestamp: new Date().toISOString(),
      } as StoredEvent['payload'],
    });
    expect(await limiter.admitEvent('webhooks.ci', event('e1'))).toEqual({ admitted: true });
    expect(await limiter.admitEvent('webhooks.ci', event('e2'))).toMatchObject({ admitted: false });
    expect((await limiter.takeHeld('webhooks.ci', 'batch-1')).map((e) => e.id)).toEqual(['e2']);
  });

  it('opens one chat thread per subject with its MULTI, and finds it again', async () => {
    const platforms = new PlatformRegistry();
    platforms.register(new ConsolePlatform(() => {}));
    const threads = new SubjectThreads(client, prefix, platforms);
    const place = { platform: 'console' as const, workspace: 'console', conversation: 'ops' };
    const card: Card = { title: 'INC-1', severity: 'failure', fields: [], links: [], actions: [] };
    const reply = await threads.post(place, 'INC-1', card, card);
    const parent = await threads.parentOf(place, 'INC-1');
    expect(parent?.id).toBeDefined();
    expect(reply.thread).toBe(parent?.id);
  });
});

const sentinelSkip = missingBinaries('redis-server', 'redis-sentinel');
if (sentinelSkip) console.warn(`Redis Sentinel client tests ${sentinelSkip}`);

describe.skipIf(sentinelSkip !== undefined)('clients through Redis Sentinel', () => {
  const sentinel = new LocalRedisSentinel();
  beforeAll(() => sentinel.start(), 60_000);
  afterAll(() => sentinel.stop());

  it('reach the master the sentinels name, and follow it through a failover', async () => {
    const settings = parseConfigText(`redis: { url: "${sentinel.url}" }\n`, {}).config.redis;
    const producer = producerConnection(settings.endpoint, 2_000);
    const worker = workerConnection(settings.endpoint);
    const key = `${uniquePrefix('sentinel')}:counter`;
    try {
      expect(producer).toBeInstanceOf(Redis);
      await waitUntilReady(producer, 10_000);
      await waitUntilReady(worker, 10_000);
      const port = async (client: Redis) => /tcp_port:(\d+)/.exec(await client.info('server'))?.[1];
      expect(await producer.incr(key)).toBe(1);
      expect(await port(producer as Redis)).toBe(String(sentinel.masterPort));

      const newMaster = await sentinel.failover();
      expect(newMaster).toBe(sentinel.replicaPort);
      // The worker connection waits out the move; the producer refuses while it reconnects.
      expect(await worker.incr(key)).toBe(2);
      const after = await waitFor(() => producer.incr(key).catch(() => undefined), {
        timeoutMs: 15_000,
        what: 'the producer on the new master',
      });
      expect(after).toBe(3);
      expect(await port(producer as Redis)).toBe(String(newMaster));
    } finally {
      producer.disconnect();
      worker.disconnect();
    }
  }, 60_000);
});
