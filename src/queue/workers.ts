import { type Job, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueSettings, ThreadlineConfig } from '../config/schema.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { fanOut } from '../events/fan-out.js';
import { NotificationRateLimiter } from '../events/rate-limit.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { BACKOFF_TYPE, jitteredBackoff } from './backoff.js';
import { type ProcessorDependencies, processDelivery, processDigest } from './delivery-processor.js';
import {
  type DeliveryJobData,
  type DeliveryResult,
  DIGESTS_QUEUE,
  type DigestJobData,
  deliveryQueueName,
  EVENTS_QUEUE,
  type EventJobData,
} from './jobs.js';
import type { QueueSet } from './queues.js';

export interface WorkerPoolOptions {
  connection: Redis;
  prefix: string;
  settings: QueueSettings;
  registry: ConnectorRegistry;
  queues: QueueSet;
  rateLimiter: NotificationRateLimiter;
  metrics: Metrics;
  logger: Logger;
  redact: (text: string) => string;
}

/**
 * The worker role: an event router, one worker per destination queue, and the digest sender.
 * Lock and stalled-check intervals are short so a killed worker's jobs run again within
 * lock_duration_ms + stalled_interval_ms (about 7.5 s by default, BullMQ's own default is ~60 s).
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];

  constructor(private readonly options: WorkerPoolOptions) {}

  /** The worker role as the config describes it: queue settings and the notification rate limit. */
  static forConfig(
    config: Pick<ThreadlineConfig, 'redis' | 'queue' | 'notifications'>,
    deps: Omit<WorkerPoolOptions, 'prefix' | 'settings' | 'rateLimiter'>,
  ): WorkerPool {
    const prefix = config.redis.prefix;
    const { max_per_hour: maxPerHour, max_per_day: maxPerDay } = config.notifications.rate_limit;
    return new WorkerPool({
      ...deps,
      prefix,
      settings: config.queue,
      rateLimiter: new NotificationRateLimiter(deps.connection, prefix, { maxPerHour, maxPerDay }),
    });
  }

  start(): void {
    const { settings, registry, queues, logger } = this.options;
    const deps: ProcessorDependencies = {
      registry,
      queues,
      rateLimiter: this.options.rateLimiter,
      metrics: this.options.metrics,
      logger,
      maxRateLimitDeferrals: settings.max_rate_limit_deferrals,
      redact: this.options.redact,
    };

    this.workers.push(
      this.worker<EventJobData, string[]>(
        EVENTS_QUEUE,
        (job) => fanOut(job.data.event, registry, queues, settings.dead_letter_retention_days),
        Math.max(settings.concurrency, 50),
      ),
    );
    for (const connector of registry.all()) {
      this.workers.push(
        this.worker<DeliveryJobData, DeliveryResult>(
          deliveryQueueName(connector.key),
          (job, token) => processDelivery(job, token, deps),
          settings.concurrency,
        ),
      );
    }
    this.workers.push(
      this.worker<DigestJobData, DeliveryResult>(
        DIGESTS_QUEUE,
        (job, token) => processDigest(job, token, deps),
        4,
      ),
    );
  }

  get running(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  /** Stops taking jobs and waits for in-flight ones; after `timeoutMs` it stops regardless. */
  async close(timeoutMs: number): Promise<void> {
    // BullMQ throws an unhandled "Connection is closed" when a worker that is still connecting is closed.
    const { connection } = this.options;
    const graceful = Promise.all(
      this.workers.map(async (w) => {
        if (connection.status === 'ready') await w.waitUntilReady();
        await w.close();
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([graceful.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.logger.warn(
        { timeoutMs },
        'shutdown deadline passed; unfinished jobs will be picked up by another worker',
      );
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
  }

  private worker<D, R>(
    name: string,
    processor: (job: Job<D>, token?: string) => Promise<R>,
    concurrency: number,
  ): Worker<D, R> {
    const { connection, prefix, settings, logger } = this.options;
    const options: WorkerOptions = {
      connection,
      prefix,
      concurrency,
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
    const worker = new Worker<D, R>(name, processor, options);
    worker.on('error', (error) => logger.error({ err: error, queue: name }, 'worker error'));
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final && name.startsWith('deliveries.')) {
        this.options.metrics.deadLetters.inc({ integration: name.slice('deliveries.'.length) });
      } else if (name === EVENTS_QUEUE) {
        logger.error(
          { err: error.message, job: job.id, final },
          'routing an event to its destinations failed',
        );
      }
    });
    return worker;
  }
}
