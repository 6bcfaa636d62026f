import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionJobData } from '../../src/chat/jobs.js';
import { DeadLetters } from '../../src/queue/dead-letters.js';
import { QueueSet } from '../../src/queue/queues.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

describe('dead letters of queued chat commands', () => {
  const prefix = uniquePrefix('dlq-actions');
  const redis = testRedis();
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('lists a failed chat command beside failed deliveries and replays the same job', async () => {
    const queue = new Queue<ActionJobData>('actions.slack', { connection: redis, prefix });
    const data: ActionJobData = {
      command: 'page',
      args: { service: 'payments', summary: 'down' },
      replyTo: {
        platform: 'slack',
        workspace: 'T1',
        conversation: 'C1',
        user: { platform: 'slack', id: 'U1' },
      },
      idempotencyKey: 'slack.trigger-1',
    };
    await queue.add('page', data, { jobId: 'act.slack.trigger-1', attempts: 1 });
    let runs = 0;
    const workerRedis = testRedis();
    const worker = new Worker<ActionJobData>(
      'actions.slack',
      async () => {
        runs++;
        if (runs === 1) throw new UnrecoverableError('Slack chat.postMessage failed: channel_not_found');
        return 'ok';
      },
      { connection: workerRedis, prefix },
    );
    const dlq = new DeadLetters(new QueueSet(redis, prefix));
    const [letter] = await waitFor(async () => {
      const letters = await dlq.list();
      return letters.length ? letters : undefined;
    });
    expect(letter).toMatchObject({
      id: 'act.slack.trigger-1',
      integration: 'actions.slack',
      event: 'command page',
      eventId: 'slack.trigger-1',
      lastError: 'Slack chat.postMessage failed: channel_not_found',
    });
    expect(await dlq.list({ integration: 'actions' })).toHaveLength(1);
    expect(await dlq.list({ integration: 'webhooks' })).toHaveLength(0);

    await dlq.replay('act.slack.trigger-1');
    await waitFor(() => runs === 2, { what: 'the replayed command' });
    await waitFor(async () => (await dlq.list()).length === 0);
    await worker.close();
    await queue.close();
    workerRedis.disconnect();
  });
});
