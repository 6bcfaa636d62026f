import type { Queue } from 'bullmq';
import type { RedisClient } from '../../src/core/redis-client.js';
import type { Metrics } from '../../src/observability/metrics.js';
import { eventDedupKey } from '../../src/queue/event-writer.js';

export type DeliveryOutcome = 'delivered' | 'held' | 'retry' | 'deferred' | 'dead_letter';

/**
 * How often a destination's jobs ended an attempt with `outcome`, as /metrics reports it
 * (threadline_deliveries_total). Completed deliveries leave no job behind in Redis, so this is
 * where an operator, and a test, sees that one went through.
 */
export async function deliveryOutcomes(
  metrics: Metrics,
  integration: string,
  outcome: DeliveryOutcome,
): Promise<number> {
  const { values } = await metrics.deliveries.get();
  return values
    .filter((v) => v.labels.integration === integration && v.labels.outcome === outcome)
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Nothing of a queue is waiting, running, delayed or dead-lettered, and no delivery is still in
 * the outbox for its first attempt at ingress: every job it had has completed.
 */
export async function allCompleted(queue: Queue): Promise<boolean> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
  if (!Object.values(counts).every((count) => count === 0)) return false;
  const client = await queue.client;
  return (await client.zcard(`${queue.opts.prefix}:outbox`)) === 0;
}

/**
 * One event's delivery to a destination is over: the event was stored (its dedup key exists),
 * and its delivery is neither in the outbox, nor pending or dead-lettered in its queue. Completed
 * deliveries leave nothing behind; what was sent, if anything, is in the fakes.
 */
export async function deliveryHandled(queue: Queue, eventId: string, deliveryId: string): Promise<boolean> {
  // BullMQ types its client narrowly; it is the ioredis connection the app gave it.
  const client = (await queue.client) as unknown as RedisClient;
  const prefix = queue.opts.prefix ?? 'bull'; // BullMQ's own default; QueueSet always sets one
  const [stored, inOutbox] = await Promise.all([
    client.exists(eventDedupKey(prefix, eventId)),
    client.zscore(`${prefix}:outbox`, deliveryId),
  ]);
  return stored === 1 && inOutbox === null && (await queue.getJobState(deliveryId)) === 'unknown';
}
