import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/redis.js';
import {
  DESTINATIONS,
  expectedDeliveryIds,
  type ScaledPipeline,
  startScaledPipeline,
} from '../support/redis-pipeline.js';
import { LocalRedisSentinel, missingBinaries } from '../support/redis-topology.js';
import { waitFor } from '../support/wait.js';

const EVENTS = 40;
const LANES = 4;

const skip = missingBinaries('redis-server', 'redis-sentinel');
if (skip) console.warn(`Redis Sentinel pipeline test ${skip}`);

describe.skipIf(skip !== undefined)('the pipeline through Redis Sentinel', () => {
  const sentinel = new LocalRedisSentinel();
  let pipeline: ScaledPipeline | undefined;

  beforeAll(async () => {
    await sentinel.start();
    pipeline = await startScaledPipeline(`{ url: "${sentinel.url}", prefix: "${uniquePrefix('sentinel')}" }`);
  }, 90_000);
  afterAll(async () => {
    await pipeline?.stop();
    await sentinel.stop();
  }, 30_000);

  it('delivers every accepted event, with its one delivery id, across a failover in the middle', async () => {
    const { post, receiver } = pipeline!;
    const ids = Array.from({ length: EVENTS }, (_, i) => `sentinel-${i}`);
    const refusals: number[] = [];
    let sent = 0;
    let failover: Promise<number> | undefined;
    // A sender retries a refused event (503 while Redis moves) with the same id, as senders should.
    const lane = async (lane: number) => {
      for (let i = lane; i < ids.length; i += LANES) {
        if (++sent === EVENTS / 2) failover = sentinel.failover();
        await waitFor(
          async () => {
            const status = await post(ids[i]!);
            if (status !== 202) refusals.push(status);
            return status === 202;
          },
          { timeoutMs: 30_000, intervalMs: 100, what: `${ids[i]} accepted` },
        );
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    expect(await failover).toBe(sentinel.replicaPort);
    expect(await sentinel.currentMasterPort()).toBe(sentinel.replicaPort);

    const expected = expectedDeliveryIds(ids);
    await waitFor(() => expected.every((id) => receiver.deliveryIds().includes(id)), {
      timeoutMs: 30_000,
      what: 'a delivery of every accepted event to both destinations',
    });
    const received = receiver.deliveryIds();
    expect([...new Set(received)].sort()).toEqual(expected);
    const duplicates = received.length - new Set(received).size;
    console.info(
      `Sentinel failover: ${EVENTS} events accepted, ${refusals.length} refusals retried ` +
        `(${[...new Set(refusals)].join(', ') || 'none'}), ${received.length} deliveries to ` +
        `${DESTINATIONS.length} destinations, ${duplicates} duplicate(s)`,
    );
  }, 60_000);
});
