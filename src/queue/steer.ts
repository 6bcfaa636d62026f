import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { errorMessage, isPermanent, RateLimitedError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** Job data of every steered kind: how often a provider's 429 pushed the job back. */
export interface Deferrable {
  /** Deferrals do not count as attempts; `queue.max_rate_limit_deferrals` caps them. */
  deferrals?: number;
  /** Attempts made before the job was queued (a delivery's first attempt at ingress). */
  priorAttempts?: number;
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

/** What the one rule says of a failed attempt (see `judgeFailure`). */
export type FailureVerdict =
  | { kind: 'defer'; deferrals: number; retryAfterMs: number }
  /** A dead letter now: a permanent failure, or a provider that kept answering 429. */
  | { kind: 'dead'; message: string; why: 'permanent' | 'rate limited too often' }
  /** Run again with backoff, or (`final`) the last attempt failed: a dead letter. */
  | { kind: 'retry'; message: string; name: string; final: boolean };

export interface AttemptCount {
  /** 1 for the first attempt, counting attempts made before the job was queued. */
  attempt: number;
  attemptsAllowed: number;
  /** 429 deferrals so far, before this one. */
  deferrals: number;
}

/**
 * The one rule for a failed attempt of any job kind:
 * - a provider's 429 (RateLimitedError) puts the job back for Retry-After without spending an
 *   attempt, until `maxRateLimitDeferrals` deferrals, then it is a dead letter;
 * - a permanent failure (auth, not found, bad request) is a dead letter at once;
 * - anything else is retried with backoff, and is a dead letter after the last attempt.
 */
export function judgeFailure(
  error: unknown,
  count: AttemptCount,
  context: Pick<SteeringContext, 'maxRateLimitDeferrals' | 'redact'>,
): FailureVerdict {
  if (error instanceof RateLimitedError) {
    const deferrals = count.deferrals + 1;
    if (deferrals > context.maxRateLimitDeferrals)
      return {
        kind: 'dead',
        message: `${context.redact(error.message)}; gave up after ${deferrals - 1} rate-limit deferrals`,
        why: 'rate limited too often',
      };
    return { kind: 'defer', deferrals, retryAfterMs: error.retryAfterMs };
  }
  const message = context.redact(errorMessage(error));
  if (isPermanent(error)) return { kind: 'dead', message, why: 'permanent' };
  const name = error instanceof Error ? error.name : 'Error';
  return { kind: 'retry', message, name, final: count.attempt >= count.attemptsAllowed };
}

/** The metric and the log line of a verdict, the same wherever the attempt ran. */
export function recordVerdict(
  verdict: FailureVerdict,
  about: { job: string | undefined; attempt: number },
  context: SteeringContext,
  /** Off where the dead letter is filed (and counted) later by the worker that runs the job. */
  options: { countDeadLetter: boolean } = { countDeadLetter: true },
): void {
  const { kind, label, metrics, logger } = context;
  const fields = { integration: label, job: about.job };
  switch (verdict.kind) {
    case 'defer':
      metrics.deliveries.inc({ integration: label, outcome: 'deferred' });
      logger.warn(
        { ...fields, retryAfterMs: verdict.retryAfterMs, deferrals: verdict.deferrals },
        `provider rate limit: ${kind} deferred`,
      );
      return;
    case 'dead':
      if (options.countDeadLetter) metrics.deliveries.inc({ integration: label, outcome: 'dead_letter' });
      logger.warn(
        { ...fields, err: verdict.message },
        verdict.why === 'permanent'
          ? `${kind} failed permanently: dead-lettered`
          : `${kind} rate limited too often: dead-lettered`,
      );
      return;
    case 'retry':
      if (!verdict.final) {
        metrics.deliveries.inc({ integration: label, outcome: 'retry' });
        metrics.retries.inc({ integration: label });
      } else if (options.countDeadLetter) {
        metrics.deliveries.inc({ integration: label, outcome: 'dead_letter' });
      }
      logger.warn(
        { ...fields, attempt: about.attempt, err: verdict.message },
        verdict.final ? `${kind} failed: dead-lettered` : `${kind} failed: will retry`,
      );
  }
}

/**
 * Applies the one rule (`judgeFailure`) to a failed attempt of a queued job and returns the error
 * BullMQ should see. Attempts made before the job was queued (`priorAttempts`, the accepting
 * process's own first attempt) count. Errors that already steer BullMQ (delayed, unrecoverable)
 * pass through unchanged.
 */
export async function steer<D extends Deferrable>(
  error: unknown,
  job: Job<D>,
  token: string | undefined,
  context: SteeringContext,
): Promise<Error> {
  const { metrics, label } = context;
  if (error instanceof DelayedError || error instanceof WaitingChildrenError) return error;
  if (error instanceof UnrecoverableError) {
    metrics.deliveries.inc({ integration: label, outcome: 'dead_letter' });
    return error;
  }
  const prior = job.data.priorAttempts ?? 0;
  const attempt = job.attemptsMade + 1 + prior;
  const verdict = judgeFailure(
    error,
    { attempt, attemptsAllowed: job.opts.attempts ?? 1, deferrals: job.data.deferrals ?? 0 },
    context,
  );
  recordVerdict(verdict, { job: job.id, attempt }, context);
  switch (verdict.kind) {
    case 'defer':
      await job.updateData({ ...job.data, deferrals: verdict.deferrals });
      await job.moveToDelayed(Date.now() + verdict.retryAfterMs, token);
      return new DelayedError();
    case 'dead':
      return new UnrecoverableError(verdict.message);
    case 'retry': {
      // BullMQ counts only its own attempts: with earlier ones, the last is ended here.
      if (verdict.final && prior > 0) return new UnrecoverableError(verdict.message);
      const retryable = new Error(verdict.message);
      retryable.name = verdict.name;
      return retryable;
    }
  }
}

/** True when this failure ends the job: BullMQ will not run it again. */
export function isFinalFailure(job: Job, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}
