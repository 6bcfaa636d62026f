import type { Worker } from 'bullmq';
import type { ThreadlineConfig } from '../config/schema.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  type DeliveryJobData,
  type DeliveryResult,
  DIGESTS_QUEUE,
  type DigestJobData,
  deliveryQueueName,
  EVENTS_QUEUE,
  type EventJobData,
} from '../queue/jobs.js';
import type { Outbox } from '../queue/outbox.js';
import type { QueueSet } from '../queue/queues.js';
import type { RedisWatch } from '../queue/redis-watch.js';
import { closeWorkers } from '../queue/shutdown.js';
import type { WorkThrottle } from '../queue/work-throttle.js';
import { createSteeredWorker, createWorker, type WorkerContext } from '../queue/worker-factory.js';
import { type ProcessorDependencies, processDelivery, processDigest } from './delivery-processor.js';
import { fanOut } from './fan-out.js';
import { OutboxSweeper } from './outbox-sweeper.js';
import { NotificationRateLimiter } from './rate-limit.js';

export interface WorkerPoolOptions extends WorkerContext {
  registry: ConnectorRegistry;
  queues: QueueSet;
  rateLimiter: NotificationRateLimiter;
  /**
   * Sees each event before it is routed, e.g. the incident workflow applying a pager-side ack, so
   * every delivery renders the new state. It writes to Redis only and must be safe to repeat.
   */
  observe?: (event: StoredEvent) => Promise<void>;
  /** Deliveries stored at ingress: the pool queues those whose accepting process stopped. */
  outbox?: Outbox;
}

/** The worker role: one worker per destination queue, the digest sender, and a drain for old router jobs. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private sweeper: OutboxSweeper | undefined;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** The worker role as the config describes it: queue settings and the notification rate limit. */
  static forConfig(
    config: Pick<ThreadlineConfig, 'redis' | 'queue' | 'notifications'>,
    deps: {
      connection: RedisClient;
      registry: ConnectorRegistry;
      queues: QueueSet;
      metrics: Metrics;
      logger: Logger;
      redisWatch: RedisWatch;
      redact: (text: string) => string;
      observe?: (event: StoredEvent) => Promise<void>;
      outbox?: Outbox;
      throttle?: WorkThrottle;
    },
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

  /** What a delivery attempt needs, for the workers and for first attempts at ingress. */
  get processor(): ProcessorDependencies {
    const { settings, registry, queues, rateLimiter, metrics } = this.options;
    return { registry, queues, rateLimiter, metrics, settings };
  }

  start(): void {
    const { settings, registry, queues, logger } = this.options;
    const deps = this.processor;

    // Ingress routes every event it accepts now; this worker only drains router jobs an older
    // version left in the events queue, so an upgrade loses none. Routing only writes to Redis:
    // its failures are Redis failures, retried by the events queue's own options, and never a
    // destination's dead letter.
    this.workers.push(
      createWorker<EventJobData, string[]>(
        this.options,
        EVENTS_QUEUE,
        async (job) => {
          await this.options.observe?.(job.data.event);
          return fanOut(job.data.event, registry, queues, settings);
        },
        {
          concurrency: 4,
          onFailed: (job, error, final) =>
            logger.error(
              { err: error.message, job: job.id, final },
              'routing an event to its destinations failed',
            ),
        },
      ),
    );
    for (const connector of registry.all()) {
      this.workers.push(
        createSteeredWorker<DeliveryJobData, DeliveryResult>(
          this.options,
          deliveryQueueName(connector.key),
          (job) => processDelivery(job, deps),
          { concurrency: settings.concurrency, kind: 'delivery', label: () => connector.key },
        ),
      );
    }
    this.workers.push(
      createSteeredWorker<DigestJobData, DeliveryResult>(
        this.options,
        DIGESTS_QUEUE,
        (job, token) => processDigest(job, token, deps),
        { concurrency: 4, kind: 'digest', label: (job) => job.data.connector },
      ),
    );
    const { outbox, redisWatch } = this.options;
    if (outbox) {
      this.sweeper = new OutboxSweeper({ outbox, queues, registry, settings, logger, redisWatch });
      this.sweeper.start();
    }
  }

  get running(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  /** Stops taking jobs and waits for in-flight ones; after `timeoutMs` it stops regardless. */
  async close(timeoutMs: number): Promise<void> {
    await this.sweeper?.close();
    await closeWorkers(this.workers, timeoutMs, this.options.logger, this.options.connection);
  }
}
