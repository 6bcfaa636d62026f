import { afterEach, describe, expect, it } from 'vitest';
import { QueueSet } from '../../src/queue/queues.js';
import { producerConnection } from '../../src/queue/redis.js';
import { PrivateRedis } from '../support/private-redis.js';
import { uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('the queue set', () => {
  it('closes while Redis has not answered yet without an error event that nobody hears', async () => {
    const redis = await new PrivateRedis().start();
    cleanup.push(() => redis.kill());
    // Accepts the TCP connection and never answers: the queues are still setting up when closed.
    redis.pause();
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', collect);
    process.on('uncaughtException', collect);
    cleanup.push(async () => {
      process.off('unhandledRejection', collect);
      process.off('uncaughtException', collect);
    });

    const connection = producerConnection(redis.url, 200);
    const errors: Error[] = [];
    connection.on('error', (error) => errors.push(error));
    const queues = new QueueSet(connection, uniquePrefix('queues'));
    queues.delivery('webhook.ci');
    await waitFor(() => errors.length > 0, { what: 'the connection to give up on an attempt' });
    await queues.close();
    connection.disconnect();

    await waitFor(() => connection.status === 'end', { what: 'the connection to end' });
    await nextMacrotask();
    await nextMacrotask();
    expect(unhandled).toEqual([]);
  });
});
