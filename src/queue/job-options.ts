import type { JobsOptions } from 'bullmq';
import type { QueueSettings } from '../config/schema.js';
import { BACKOFF_TYPE } from './backoff.js';

export type JobKind = 'event' | 'delivery' | 'digest' | 'action' | 'pager-call' | 'escalation';

/**
 * How long a finished job stays visible. Not a retry rule: a routed event (left by a version that
 * routed in a worker) and a delivery go at once, since their dedup keys have a TTL of their own and
 * keeping a tail costs Redis work on every completion; what was delivered shows in the metrics and
 * the receiver's log, what failed stays as a dead letter. A digest stays a day because its job id
 * (destination + due time) is what stops a second digest for the same window; chat commands stay
 * an hour for the console and /ops status; an escalation timer stays a week, its id (incident,
 * round, step) being what stops a second one.
 */
const KEEP_COMPLETED: Record<JobKind, JobsOptions['removeOnComplete']> = {
  event: true,
  delivery: true,
  digest: { age: 86_400 },
  action: { age: 3_600, count: 10_000 },
  // Few and precious: a finished call's job id keeps asking again a no-op for a day.
  'pager-call': { age: 86_400, count: 10_000 },
  escalation: { age: 7 * 86_400 },
};

/**
 * Options for adding a job of any kind: `retryCount + 1` attempts (an integration's own
 * retry_count, else queue.retry_count), the jittered backoff of queue.backoff_base_ms /
 * backoff_max_ms, and failed jobs kept as dead letters for queue.dead_letter_retention_days.
 */
export function jobOptions(
  kind: JobKind,
  settings: QueueSettings,
  retryCount: number = settings.retry_count,
): JobsOptions {
  return {
    attempts: retryCount + 1,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: KEEP_COMPLETED[kind],
    removeOnFail: { age: settings.dead_letter_retention_days * 86_400 },
  };
}
