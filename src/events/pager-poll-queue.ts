import type { Queue, Worker } from 'bullmq';
import type { Connector } from '../connectors/connector.js';
import type { PolledPager } from '../connectors/paging/pager.js';
import type { PollOutcome } from '../connectors/paging/poll-state.js';
import type { PagerPoller } from '../connectors/paging/poller.js';
import type { Logger } from '../observability/logger.js';
import type { QueueSet } from '../queue/queues.js';
import { closeWorkers } from '../queue/shutdown.js';
import { createWorker, type WorkerContext } from '../queue/worker-factory.js';

/** Status-poll ticks of the pagers, one BullMQ job scheduler per pager. */
export const PAGER_POLL_QUEUE = 'pager-poll';

export interface PagerPollJobData {
  /** The pager connector's key (`pagerduty`, `opsgenie`). */
  pager: string;
}

function schedulerId(pager: string): string {
  return `poll.${pager}`;
}

/**
 * Polling as a BullMQ job scheduler: Redis holds one schedule per pager, so however many
 * processes run, each tick is one job that one worker takes; the schedule survives restarts and a
 * process that stops simply takes no more ticks. A tick never fails as a job: what went wrong is
 * the poller's to log and remember, so nothing piles up as dead letters.
 */
export class PagerPollQueue {
  readonly queue: Queue<PagerPollJobData>;
  private worker?: Worker<PagerPollJobData, PollOutcome>;

  constructor(
    queues: QueueSet,
    private readonly pagers: ReadonlyArray<Connector & PolledPager>,
    private readonly poller: PagerPoller,
  ) {
    this.queue = queues.named<PagerPollJobData>(PAGER_POLL_QUEUE);
  }

  /** Sets every pager's schedule to its interval; a pager whose polling is off has none. */
  async schedule(): Promise<void> {
    for (const pager of this.pagers) {
      const polling = pager.polling;
      if (!polling) {
        await this.queue.removeJobScheduler(schedulerId(pager.key));
        continue;
      }
      await this.queue.upsertJobScheduler(
        schedulerId(pager.key),
        { every: polling.intervalMs },
        {
          name: 'poll',
          data: { pager: pager.key },
          opts: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
        },
      );
    }
  }

  start(context: WorkerContext): void {
    this.worker = createWorker<PagerPollJobData, PollOutcome>(
      context,
      PAGER_POLL_QUEUE,
      async (job) => {
        const pager = this.pagers.find((p) => p.key === job.data.pager);
        if (!pager?.polling) {
          // Left by a config that polled this pager: this process's config does not.
          await this.queue.removeJobScheduler(schedulerId(job.data.pager));
          return 'off';
        }
        try {
          return await this.poller.poll(pager);
        } catch (error) {
          // Redis trouble mid-tick: the next tick tries again.
          context.logger.warn({ pager: pager.pager, err: error }, 'status poll tick failed');
          return 'failed';
        }
      },
      { concurrency: 1 },
    );
  }

  get running(): boolean {
    return this.worker?.isRunning() ?? true;
  }

  async close(timeoutMs: number, logger: Logger): Promise<void> {
    if (this.worker) await closeWorkers([this.worker], timeoutMs, logger);
  }
}
