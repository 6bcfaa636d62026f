import type { Job } from 'bullmq';
import { NotFoundError } from '../core/errors.js';
import type { DeliveryJobData } from './jobs.js';
import type { QueueSet } from './queues.js';

export interface DeadLetter {
  id: string;
  integration: string;
  event: string;
  eventId: string;
  specId?: string;
  attempts: number;
  failedAt?: string;
  lastError: string;
  replays: number;
}

/**
 * Dead letters are the failed sets of the delivery queues: each keeps its job data (the whole
 * event) and its last error until the retention ends. Replaying moves the same job back to
 * waiting, so the receiver sees the same delivery id again.
 */
export class DeadLetters {
  constructor(private readonly queues: QueueSet) {}

  async list(filter: { integration?: string } = {}): Promise<DeadLetter[]> {
    const keys = await this.queues.knownDeliveryKeys();
    const letters: DeadLetter[] = [];
    for (const key of keys) {
      if (filter.integration && key !== filter.integration && !key.startsWith(`${filter.integration}.`))
        continue;
      const jobs = await this.queues.delivery(key).getFailed(0, -1);
      letters.push(
        ...jobs.filter((job): job is Job<DeliveryJobData> => Boolean(job)).map((job) => describe(key, job)),
      );
    }
    return letters.sort((a, b) => (a.failedAt ?? '').localeCompare(b.failedAt ?? ''));
  }

  async replay(id: string): Promise<DeadLetter> {
    for (const key of await this.queues.knownDeliveryKeys()) {
      const queue = this.queues.delivery(key);
      const job = await queue.getJob(id);
      if (!job || !(await job.isFailed())) continue;
      const letter = describe(key, job);
      await job.updateData({ ...job.data, deferrals: 0, replays: (job.data.replays ?? 0) + 1 });
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return letter;
    }
    throw new NotFoundError(`no dead letter with id "${id}" (see threadline dlq list)`);
  }

  async replayAll(filter: { integration?: string } = {}): Promise<DeadLetter[]> {
    const letters = await this.list(filter);
    const replayed: DeadLetter[] = [];
    for (const letter of letters) replayed.push(await this.replay(letter.id));
    return replayed;
  }
}

function describe(key: string, job: Job<DeliveryJobData>): DeadLetter {
  return {
    id: String(job.id),
    integration: key,
    event: job.data.event.payload.event,
    eventId: job.data.event.id,
    specId: job.data.event.payload.spec?.id,
    attempts: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    lastError: job.failedReason ?? 'unknown',
    replays: job.data.replays ?? 0,
  };
}
