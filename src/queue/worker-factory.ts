import { type Job, Worker, type WorkerOptions } from 'bullmq';
import type { QueueSettings } from '../config/schema.js';
import type { RedisClient } from '../core/redis-client.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { BACKOFF_TYPE, jitteredBackoff } from './backoff.js';
import { SharedRedisConnection } from './connection.js';
import type { RedisWatch } from './redis-watch.js';
import { type Deferrable, isFinalFailure, steer } from './steer.js';
import type { WorkThrottle } from './work-throttle.js';

/** What every worker of a process shares: one Redis connection, one prefix, one set of queue settings. */
export interface WorkerContext {
  /** A worker connection (maxRetriesPerRequest: null), see queue/redis.ts. */
  connection: RedisClient;
  prefix: string;
  settings: QueueSettings;
  metrics: Metrics;
  logger: Logger;
  redisWatch: RedisWatch;
  /** Error text is stored in Redis (dead letters) and shown to operators: secrets go first. */
  redact: (text: string) => string;
  /** In a process that also answers requests: turns the workers down while its event loop is busy. */
  throttle?: WorkThrottle;
}

/**
 * BullMQ could not save a job's outcome because its lock had expired (Redis was away longer than
 * lock_duration_ms, or the process stalled): the stalled check runs the job again, so this is
 * at-least-once delivery at work rather than a fault of the worker.
 */
const LOST_LOCK = /^Missing (lock|key) for job/;

export type JobProcessor<D, R> = (job: Job<D>, token: string | undefined) => Promise<R>;

export interface WorkerSpec<D> {
  concurrency: number;
  /** After every failed attempt; `final` when BullMQ will not run the job again. */
  onFailed?: (job: Job<D>, error: Error, final: boolean) => void;
}

/**
 * A BullMQ worker for any queue. Lock and stalled-check intervals come from queue.* and are
 * short, so a killed worker's jobs run again within lock_duration_ms + stalled_interval_ms
 * (about 7.5 s by default; BullMQ's own default is about 60 s). Connection trouble goes to the
 * Redis watch (one story per outage); any other worker error is logged with its stack.
 */
export function createWorker<D, R>(
  context: WorkerContext,
  name: string,
  processor: JobProcessor<D, R>,
  spec: WorkerSpec<D>,
): Worker<D, R> {
  const { connection, prefix, settings, logger, redisWatch } = context;
  const options: WorkerOptions = {
    connection,
    prefix,
    concurrency: spec.concurrency,
    lockDuration: settings.lock_duration_ms,
    stalledInterval: settings.stalled_interval_ms,
    maxStalledCount: 3,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string) =>
        type === BACKOFF_TYPE
          ? jitteredBackoff(attemptsMade, settings.backoff_base_ms, settings.backoff_max_ms)
          : -1,
    },
  };
  const worker = new Worker<D, R>(name, processor, options, SharedRedisConnection);
  const { throttle } = context;
  if (throttle) {
    throttle.add(worker);
    worker.on('closed', () => throttle.remove(worker));
  }
  worker.on('error', (error) => {
    if (redisWatch.report(name, error)) return;
    if (LOST_LOCK.test(error.message)) {
      logger.warn(
        { queue: name, err: error.message },
        'job lock lost before its outcome was saved; it will run again',
      );
    } else {
      logger.error({ err: error, queue: name }, 'worker error');
    }
  });
  const { onFailed } = spec;
  if (onFailed) {
    worker.on('failed', (job, error) => {
      if (job) onFailed(job, error, isFinalFailure(job, error));
    });
  }
  return worker;
}

export interface SteeredWorkerSpec<D> {
  concurrency: number;
  /** What a job is, in log lines: `delivery`, `digest`, `chat command`. */
  kind: string;
  /** The metric label of a job: its destination key, or `actions.<platform>`. */
  label: (job: Job<D>) => string;
  /** Once a job has failed for good (it is a dead letter now), e.g. to tell the person who asked. */
  onDeadLetter?: (job: Job<D>, error: Error) => Promise<void>;
}

/**
 * A worker whose failures are steered by the one rule in steer.ts (delay on 429 without spending
 * an attempt, up to queue.max_rate_limit_deferrals; dead letter at once on permanent errors;
 * retry with backoff otherwise), and whose dead letters are counted per label.
 */
export function createSteeredWorker<D extends Deferrable, R>(
  context: WorkerContext,
  name: string,
  processor: JobProcessor<D, R>,
  spec: SteeredWorkerSpec<D>,
): Worker<D, R> {
  const { metrics, logger, redact, settings } = context;
  const steered: JobProcessor<D, R> = async (job, token) => {
    try {
      return await processor(job, token);
    } catch (error) {
      throw await steer(error, job, token, {
        kind: spec.kind,
        label: spec.label(job),
        maxRateLimitDeferrals: settings.max_rate_limit_deferrals,
        metrics,
        logger,
        redact,
      });
    }
  };
  return createWorker(context, name, steered, {
    concurrency: spec.concurrency,
    onFailed: (job, error, final) => {
      if (!final) return;
      metrics.deadLetters.inc({ integration: spec.label(job) });
      spec
        .onDeadLetter?.(job, error)
        .catch((hookError: unknown) =>
          logger.error({ err: hookError, job: job.id, queue: name }, 'dead-letter follow-up failed'),
        );
    },
  });
}
