import type { Job, Queue } from 'bullmq';
import { NotFoundError } from '../core/errors.js';
import {
  type DeliveryJobData,
  deliveryQueueName,
  ESCALATIONS_QUEUE,
  READINESS_TIMERS_QUEUE,
} from './jobs.js';
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
    const letters: DeadLetter[] = [];
    for (const { key, queue } of await this.sources()) {
      if (filter.integration && key !== filter.integration && !key.startsWith(`${filter.integration}.`))
        continue;
      const jobs = await queue.getFailed(0, -1);
      letters.push(
        ...jobs.filter((job): job is Job<FailedJobData> => Boolean(job)).map((job) => describe(key, job)),
      );
    }
    return letters.sort((a, b) => (a.failedAt ?? '').localeCompare(b.failedAt ?? ''));
  }

  async replay(id: string): Promise<DeadLetter> {
    for (const { key, queue } of await this.sources()) {
      const job = await queue.getJob(id);
      if (!job || !(await job.isFailed())) continue;
      const letter = describe(key, job);
      // A replay starts afresh: no deferrals, no attempts made before the job was queued.
      const { deadLetter: _filed, priorAttempts: _prior, ...data } = job.data;
      await job.updateData({
        ...data,
        ...(data.deferrals === undefined ? {} : { deferrals: 0 }),
        replays: (data.replays ?? 0) + 1,
      });
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return letter;
    }
    throw new NotFoundError(`no dead letter with id "${id}" (see threadline dlq list)`);
  }

  /**
   * Deliveries (keyed by destination), queued chat commands (keyed by their queue,
   * actions.<platform>), and the incident workflow's pager calls and card updates
   * (pager-calls.<pager>, incident-cards), and escalation and readiness SLA timers.
   */
  private async sources(): Promise<Array<{ key: string; queue: Queue<FailedJobData> }>> {
    // Delivery queues are read through `named` too: a dead letter only needs the fields above.
    const deliveries = (await this.queues.knownDeliveryKeys()).map((key) => ({
      key,
      queue: this.queues.named<FailedJobData>(deliveryQueueName(key)),
    }));
    // Escalation timers whose step failed for good (e.g. a pager refusing the credentials) too.
    const named = [
      ...(await this.queues.knownQueueNames('actions.*')),
      ...(await this.queues.knownQueueNames('pager-calls.*')),
      ...(await this.queues.knownQueueNames('incident-cards')),
      ...(await this.queues.knownQueueNames(ESCALATIONS_QUEUE)),
      ...(await this.queues.knownQueueNames(READINESS_TIMERS_QUEUE)),
    ].map((name) => ({ key: name, queue: this.queues.named<FailedJobData>(name) }));
    return [...deliveries, ...named];
  }

  async replayAll(filter: { integration?: string } = {}): Promise<DeadLetter[]> {
    const letters = await this.list(filter);
    const replayed: DeadLetter[] = [];
    for (const letter of letters) replayed.push(await this.replay(letter.id));
    return replayed;
  }
}

/** What both kinds of failed job carry that a dead letter shows: a delivery's event, or a command. */
interface FailedJobData
  extends Partial<Pick<DeliveryJobData, 'event' | 'deferrals' | 'replays' | 'priorAttempts' | 'deadLetter'>> {
  /** A queued chat command (actions.<platform>): its name and idempotency key. */
  command?: string;
  idempotencyKey?: string;
  /** An incident's pager call (`stepKey`: trigger, acknowledge …) or card update. */
  incident?: string;
  stepKey?: string;
  /** An escalation timer: its incident and step. */
  incidentId?: string;
  step?: number;
  round?: number;
}

function describe(key: string, job: Job<FailedJobData>): DeadLetter {
  const data = job.data;
  const about = data.event
    ? { event: data.event.payload.event, eventId: data.event.id, specId: data.event.payload.spec?.id }
    : data.incidentId !== undefined
      ? {
          event: `escalation step ${(data.step ?? 0) + 1} round ${(data.round ?? 0) + 1}`,
          eventId: data.incidentId,
          specId: undefined,
        }
      : data.incident
        ? {
            event: data.stepKey ? `pager ${data.stepKey}` : 'incident cards',
            eventId: data.incident,
            specId: data.incident,
          }
        : { event: `command ${data.command}`, eventId: data.idempotencyKey ?? 'unknown', specId: undefined };
  return {
    id: String(job.id),
    integration: key,
    ...about,
    attempts: job.attemptsMade + (data.priorAttempts ?? 0),
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    lastError: job.failedReason ?? 'unknown',
    replays: data.replays ?? 0,
  };
}
