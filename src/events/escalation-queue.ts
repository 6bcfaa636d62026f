import type { Job, Queue, Worker } from 'bullmq';
import type { QueueSettings } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { jobOptions } from '../queue/job-options.js';
import { ESCALATIONS_QUEUE } from '../queue/jobs.js';
import type { QueueSet } from '../queue/queues.js';
import { closeWorkers } from '../queue/shutdown.js';
import { createSteeredWorker, type WorkerContext } from '../queue/worker-factory.js';
import type { EscalationTimer, EscalationTimers, FireOutcome } from '../workflows/escalations.js';

const NOT_STARTED = new Set(['delayed', 'waiting', 'prioritized', 'waiting-children']);

export interface EscalationJobData extends EscalationTimer {
  deferrals?: number;
}

/** What a due timer runs: an incident's escalation policy, or a readiness exception's SLA. */
export interface TimerHandler {
  fire(timer: EscalationTimer): Promise<FireOutcome>;
}

/**
 * SLA timers as BullMQ delayed jobs. The job id is the incident, round and step, so adding a
 * timer that exists (a restart, a retried router job, a second process) adds nothing; the job
 * lives in Redis, so a timer survives every process being restarted during its wait.
 */
export class EscalationQueue implements EscalationTimers {
  readonly queue: Queue<EscalationJobData>;
  private worker?: Worker<EscalationJobData, FireOutcome>;

  constructor(
    queues: QueueSet,
    private readonly settings: QueueSettings,
    private readonly clock: () => number = Date.now,
    /** Another workflow's timers live on their own queue, so neither worker sees the other's jobs. */
    private readonly name: string = ESCALATIONS_QUEUE,
  ) {
    this.queue = queues.named<EscalationJobData>(name);
  }

  async schedule(jobId: string, timer: EscalationTimer): Promise<void> {
    await this.queue.add('escalate', timer, {
      ...jobOptions('escalation', this.settings),
      jobId,
      delay: Math.max(0, timer.dueAt - this.clock()),
    });
  }

  /**
   * Removes the timers that have not started; one that is running (locked) finds the incident
   * stopped, and a finished one stays as the record that its step happened.
   */
  async cancel(jobIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of jobIds) {
      const job = await this.queue.getJob(id);
      if (!job || !NOT_STARTED.has(await job.getState())) continue;
      removed += await this.queue.remove(id);
    }
    return removed;
  }

  /** Every timer still waiting, soonest first (for the published calendar and /ops oncall). */
  async pending(limit = 500): Promise<EscalationTimer[]> {
    const jobs = await this.queue.getDelayed(0, limit - 1);
    return jobs
      .filter((job): job is Job<EscalationJobData> => job !== undefined)
      .map(({ data }) => ({
        incidentId: data.incidentId,
        policy: data.policy,
        round: data.round,
        step: data.step,
        dueAt: data.dueAt,
      }))
      .sort((a, b) => a.dueAt - b.dueAt);
  }

  /** The worker that fires due timers; failures are steered like every other job kind. */
  start(context: WorkerContext, escalations: TimerHandler, subject = 'incident'): void {
    this.worker = createSteeredWorker<EscalationJobData, FireOutcome>(
      context,
      this.name,
      async (job) => {
        const outcome = await escalations.fire(job.data);
        context.logger.info(
          { [subject]: job.data.incidentId, step: job.data.step + 1, round: job.data.round + 1, outcome },
          outcome === 'escalated' ? `${subject} escalated` : 'escalation timer found nothing to do',
        );
        return outcome;
      },
      { concurrency: 10, kind: 'escalation', label: () => this.name },
    );
  }

  get running(): boolean {
    return this.worker?.isRunning() ?? true;
  }

  async close(timeoutMs: number, logger: Logger): Promise<void> {
    if (this.worker) await closeWorkers([this.worker], timeoutMs, logger);
  }
}
