import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { QueueSet } from '../../src/queue/queues.js';
import { producerConnection, scanKeys, waitUntilReady } from '../../src/queue/redis.js';
import { allCompleted } from '../support/outcomes.js';
import { uniquePrefix } from '../support/redis.js';
import {
  DESTINATIONS,
  expectedDeliveryIds,
  type ScaledPipeline,
  startScaledPipeline,
} from '../support/redis-pipeline.js';
import { LocalRedisCluster, missingBinaries } from '../support/redis-topology.js';
import { waitFor } from '../support/wait.js';

const EVENTS = 60;

const skip = missingBinaries('redis-server', 'redis-cli');
if (skip) console.warn(`Redis Cluster pipeline test ${skip}`);

describe.skipIf(skip !== undefined)('the pipeline on a 3-master Redis Cluster', () => {
  const cluster = new LocalRedisCluster();
  let pipeline: ScaledPipeline | undefined;
  const prefix = uniquePrefix('cluster');
  let redisBlock = '';

  beforeAll(async () => {
    await cluster.start();
    const nodes = cluster.ports.map((port) => `"127.0.0.1:${port}"`).join(', ');
    redisBlock = `{ cluster: { nodes: [${nodes}] }, prefix: "${prefix}" }`;
    pipeline = await startScaledPipeline(redisBlock);
  }, 90_000);
  afterAll(async () => {
    await pipeline?.stop();
    await cluster.stop();
  }, 30_000);

  it('delivers every event exactly once per destination with one ingress and two workers', async () => {
    const { post, receiver } = pipeline!;
    const ids = Array.from({ length: EVENTS }, (_, i) => `cluster-${i}`);
    const statuses: number[] = [];
    for (let i = 0; i < ids.length; i += 10)
      statuses.push(...(await Promise.all(ids.slice(i, i + 10).map((id) => post(id)))));
    expect(statuses.filter((status) => status !== 202)).toEqual([]);

    await waitFor(() => receiver.requests.length >= EVENTS * DESTINATIONS.length, {
      timeoutMs: 30_000,
      what: 'every delivery',
    });

    // Every job done means no retry is still to come: what arrived is all that will arrive.
    const settings = parseConfigText(`redis: ${redisBlock}\n`, {}).config.redis;
    const reader = producerConnection(settings.endpoint, 2_000);
    const queues = new QueueSet(reader, settings.prefix);
    try {
      await waitUntilReady(reader, 10_000);
      // Completed deliveries leave nothing behind: no job waiting, running, delayed or dead.
      await waitFor(
        async () => {
          const done = await Promise.all(
            DESTINATIONS.map((destination) => allCompleted(queues.delivery(destination))),
          );
          return done.every(Boolean);
        },
        { timeoutMs: 15_000, what: 'every delivery job completed' },
      );
      expect(receiver.deliveryIds().sort()).toEqual(expectedDeliveryIds(ids));

      // The hash-tagged prefix kept every key of every queue in one slot.
      expect(settings.prefix).toBe(`{${prefix}}`);
      const keys = await scanKeys(reader, `${settings.prefix}:*`);
      const slots = new Set(await Promise.all(keys.map((key) => reader.cluster('KEYSLOT', key))));
      expect(slots.size).toBe(1);
    } finally {
      await queues.close();
      reader.disconnect();
    }
  }, 60_000);
});
