import type { QueueSettings } from '../config/schema.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Logger } from '../observability/logger.js';
import { jobOptions } from '../queue/job-options.js';
import type { DeliveryJobData } from '../queue/jobs.js';
import type { Outbox } from '../queue/outbox.js';
import type { QueueSet } from '../queue/queues.js';
import type { RedisWatch } from '../queue/redis-watch.js';

/** How many deliveries one claim takes from the outbox. */
const CLAIM_BATCH = 500;

export interface OutboxSweeperOptions {
  outbox: Outbox;
  queues: QueueSet;
  registry: ConnectorRegistry;
  settings: QueueSettings;
  logger: Logger;
  redisWatch: RedisWatch;
}

/**
 * Every worker process looks at the outbox every queue.stalled_interval_ms and moves deliveries
 * whose lease ended (their accepting process stopped or died before it settled them) into their
 * destination's queue, job id = delivery id, where they run like any job. A delivery whose first
 * attempt was under way when its process died may reach the receiver twice, with one delivery id.
 */
export class OutboxSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly options: OutboxSweeperOptions) {}

  /** Sweeps at once (a process starting after a crash takes what its predecessor left), then on a timer. */
  start(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.settings.stalled_interval_ms);
    this.timer.unref();
  }

  /** Queues every delivery whose lease has ended; resolves how many. One sweep at a time. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepAll().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    const { outbox, logger, redisWatch } = this.options;
    let queued = 0;
    try {
      for (;;) {
        const claimed = await outbox.claimDue(CLAIM_BATCH);
        if (claimed.length === 0) break;
        const byDestination = new Map<string, DeliveryJobData[]>();
        for (const { data } of claimed) {
          if (!data) continue;
          const list = byDestination.get(data.connector) ?? [];
          list.push(data);
          byDestination.set(data.connector, list);
        }
        for (const [key, deliveries] of byDestination) await this.queue(key, deliveries);
        await outbox.settle(claimed.map((delivery) => delivery.id));
        queued += claimed.length;
        if (claimed.length < CLAIM_BATCH) break;
      }
    } catch (error) {
      if (!redisWatch.report('outbox', error as Error))
        logger.error({ err: error }, 'moving deliveries from the outbox to their queues failed');
    }
    if (queued > 0)
      logger.info(
        { deliveries: queued },
        'queued deliveries whose accepting process stopped before finishing them',
      );
    return queued;
  }

  private async queue(key: string, deliveries: DeliveryJobData[]): Promise<void> {
    const { queues, registry, settings } = this.options;
    // A destination no longer configured gets its job anyway: it becomes a dead letter saying so.
    const options = jobOptions('delivery', settings, registry.get(key)?.retryCount ?? settings.retry_count);
    await queues
      .delivery(key)
      .addBulk(
        deliveries.map((data) => ({ name: 'deliver', data, opts: { ...options, jobId: data.deliveryId } })),
      );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }
}
