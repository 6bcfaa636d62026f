import type { Queue } from 'bullmq';
import type { Metrics } from '../../src/observability/metrics.js';

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

/** Nothing of a queue is waiting, running, delayed or dead-lettered: every job it had has completed. */
export async function allCompleted(queue: Queue): Promise<boolean> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
  return Object.values(counts).every((count) => count === 0);
}
