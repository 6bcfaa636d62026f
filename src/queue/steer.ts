import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { errorMessage, isPermanent, RateLimitedError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** Job data of every steered kind: how often a provider's 429 pushed the job back. */
export interface Deferrable {
  /** Deferrals do not count as attempts; `queue.max_rate_limit_deferrals` caps them. */
  deferrals?: number;
}

export interface SteeringContext {
  /** What the job is, in log lines: `delivery`, `digest`, `chat command`. */
  kind: string;
  /** Metric label and log field: the destination key (`webhooks.ci`), or `actions.<platform>`. */
  label: string;
  maxRateLimitDeferrals: number;
  metrics: Metrics;
  logger: Logger;
  /** Error text is stored in Redis (dead letters) and shown to operators: secrets go first. */
  redact: (text: string) => string;
}

/**
 * The one rule for a failed attempt of any job kind, returned as the error BullMQ should see:
 * - a provider's 429 (RateLimitedError) puts the job back for Retry-After without spending an
 *   attempt, until `maxRateLimitDeferrals` deferrals, then it is a dead letter;
 * - a permanent failure (auth, not found, bad request) is a dead letter at once;
 * - anything else is retried with backoff, and is a dead letter after the last attempt.
 * Errors that already steer BullMQ (delayed, unrecoverable) pass through unchanged.
 */
export async function steer<D extends Deferrable>(
  error: unknown,
  job: Job<D>,
  token: string | undefined,
  context: SteeringContext,
): Promise<Error> {
  const { kind, label, metrics, logger, redact } = context;
  if (error instanceof DelayedError || error instanceof WaitingChildrenError) return error;
  if (error instanceof UnrecoverableError) {
    metrics.deliveries.inc({ integration: label, outcome: 'dead_letter' });
    return error;
  }
  if (error instanceof RateLimitedError) {
    const deferrals = (job.data.deferrals ?? 0) + 1;
    if (deferrals > context.maxRateLimitDeferrals) {
      metrics.deliveries.inc({ integration: label, outcome: 'dead_letter' });
      const message = `${redact(error.message)}; gave up after ${deferrals - 1} rate-limit deferrals`;
      logger.warn(
        { integration: label, job: job.id, err: message },
        `${kind} rate limited too often: dead-lettered`,
      );
      return new UnrecoverableError(message);
    }
    await job.updateData({ ...job.data, deferrals });
    await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
    metrics.deliveries.inc({ integration: label, outcome: 'deferred' });
    logger.warn(
      { integration: label, job: job.id, retryAfterMs: error.retryAfterMs, deferrals },
      `provider rate limit: ${kind} deferred`,
    );
    return new DelayedError();
  }
  const message = redact(errorMessage(error));
  if (isPermanent(error)) {
    metrics.deliveries.inc({ integration: label, outcome: 'dead_letter' });
    logger.warn(
      { integration: label, job: job.id, err: message },
      `${kind} failed permanently: dead-lettered`,
    );
    return new UnrecoverableError(message);
  }
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  metrics.deliveries.inc({ integration: label, outcome: final ? 'dead_letter' : 'retry' });
  if (!final) metrics.retries.inc({ integration: label });
  logger.warn(
    { integration: label, job: job.id, attempt: job.attemptsMade + 1, err: message },
    final ? `${kind} failed: dead-lettered` : `${kind} failed: will retry`,
  );
  const retryable = new Error(message);
  retryable.name = error instanceof Error ? error.name : 'Error';
  return retryable;
}

/** True when this failure ends the job: BullMQ will not run it again. */
export function isFinalFailure(job: Job, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}
