import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueUnavailableError } from '../../src/core/errors.js';
import type { EventPayload } from '../../src/core/payload.js';
import { EventIngestor, type EventRoute } from '../../src/events/ingest.js';
import { eventDedupKey } from '../../src/queue/event-writer.js';
import { QueueSet } from '../../src/queue/queues.js';
import { producerConnection } from '../../src/queue/redis.js';
import { specEvent } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { allCompleted } from '../support/outcomes.js';
import { PrivateRedis } from '../support/private-redis.js';
import { dropPrefix, REDIS_URL, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** Both webhooks listen to implementation_failed; nothing listens to implementation_started. */
const route: EventRoute = (event) =>
  event === 'implementation_failed'
    ? [
        { key: 'webhooks.a', retryCount: 2 },
        { key: 'webhooks.b', retryCount: 0 },
      ]
    : [];

function setUp(url = REDIS_URL) {
  const prefix = uniquePrefix('ingest');
  const settings = testConfig(prefix, '').config.queue;
  const connection = producerConnection(url, 2_000);
  connection.on('error', () => {});
  const queues = new QueueSet(connection, prefix);
  const ingestor = new EventIngestor(queues, settings, route);
  cleanup.push(async () => {
    await queues.close();
    connection.disconnect();
    if (url === REDIS_URL) await dropPrefix(prefix);
  });
  const accept = (event: string, id?: string) => {
    const payload = specEvent(event, id ?? 'unused');
    if (id === undefined) delete payload.id;
    return ingestor.accept(payload as unknown as EventPayload);
  };
  return { prefix, connection, queues, accept };
}

/** Runs every job of a queue to completion with a no-op worker, as a delivery worker would. */
async function complete(queues: QueueSet, key: string): Promise<void> {
  const queue = queues.delivery(key);
  const redis = testRedis();
  const worker = new Worker(queue.name, async () => 'delivered', {
    connection: redis,
    prefix: queues.prefix,
  });
  try {
    await waitFor(() => allCompleted(queue), { what: `${key} drained` });
  } finally {
    await worker.close();
    redis.disconnect();
  }
}

describe('accepting an event', () => {
  it('stores one delivery job per destination, each in its own queue under its delivery id, before it answers', async () => {
    const { queues, accept } = setUp();
    expect(await accept('implementation_failed', 'ing-1')).toEqual({ id: 'ing-1', duplicate: false });
    for (const [key, attempts] of [
      ['webhooks.a', 3],
      ['webhooks.b', 1],
    ] as const) {
      const job = await queues.delivery(key).getJob(`ing-1.${key}`);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.data).toMatchObject({ connector: key, deliveryId: `ing-1.${key}`, deferrals: 0 });
      expect(job?.data.event.payload).toMatchObject({ id: 'ing-1', event: 'implementation_failed' });
      expect(job?.opts.attempts).toBe(attempts);
    }
    // No router job: the events queue is only drained for jobs an older version left.
    expect(await queues.events.count()).toBe(0);
  });

  it('answers a repeated id as a duplicate and adds nothing, even after the first deliveries completed and were removed', async () => {
    const { queues, accept } = setUp();
    await accept('implementation_failed', 'ing-dup');
    for (const key of ['webhooks.a', 'webhooks.b']) await complete(queues, key);
    expect(await queues.delivery('webhooks.a').getJobState('ing-dup.webhooks.a')).toBe('unknown');

    expect(await accept('implementation_failed', 'ing-dup')).toEqual({ id: 'ing-dup', duplicate: true });
    for (const key of ['webhooks.a', 'webhooks.b']) {
      expect(await queues.delivery(key).getJobState(`ing-dup.${key}`)).toBe('unknown');
      expect(await allCompleted(queues.delivery(key))).toBe(true);
    }
  });

  it('deduplicates an event that no destination listens to', async () => {
    const { accept } = setUp();
    expect(await accept('implementation_started', 'ing-quiet')).toMatchObject({ duplicate: false });
    expect(await accept('implementation_started', 'ing-quiet')).toMatchObject({ duplicate: true });
  });

  it('writes no dedup key for an id it generated', async () => {
    const { prefix, accept } = setUp();
    const first = await accept('implementation_failed');
    const second = await accept('implementation_failed');
    expect(first.id).not.toBe(second.id);
    expect([first.duplicate, second.duplicate]).toEqual([false, false]);
    const redis = testRedis();
    cleanup.push(async () => redis.disconnect());
    expect(await redis.exists(eventDedupKey(prefix, first.id), eventDedupKey(prefix, second.id))).toBe(0);
  });

  it('writes events accepted together in one transaction, and answers each with its own outcome', async () => {
    const { queues, accept, connection } = setUp();
    await accept('implementation_failed', 'ing-warm');
    await accept('implementation_failed', 'ing-group-3');
    // What this connection sends to Redis, as RESP on the wire.
    const sent: string[] = [];
    // A standalone URL gives a plain Redis client, whose socket is `stream`.
    const socket = (connection as Redis).stream;
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      sent.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof socket.write;
    cleanup.push(async () => {
      socket.write = write as typeof socket.write;
    });
    const count = (command: string) =>
      sent.join('').split(`\r\n$${command.length}\r\n${command}\r\n`).length - 1;

    const ids = Array.from({ length: 20 }, (_, i) => `ing-group-${i}`);
    const answers = await Promise.all(ids.map((id) => accept('implementation_failed', id)));
    expect(answers.map((a) => a.duplicate)).toEqual(ids.map((id) => id === 'ing-group-3'));
    expect([count('multi'), count('exec')]).toEqual([1, 1]);
    expect(await queues.delivery('webhooks.b').getJobCounts('waiting')).toMatchObject({ waiting: 21 });
  });

  it('answers every event of a write that failed with QueueUnavailableError', async () => {
    const redis = await new PrivateRedis().start();
    cleanup.push(() => redis.kill());
    const { accept } = setUp(redis.url);
    expect(await accept('implementation_failed', 'ing-up')).toMatchObject({ duplicate: false });
    await redis.kill();
    const outcomes = await Promise.allSettled([
      accept('implementation_failed', 'ing-down-1'),
      accept('implementation_failed', 'ing-down-2'),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(QueueUnavailableError);
    }
  });
});
