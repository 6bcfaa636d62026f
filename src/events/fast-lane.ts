import { type JobsOptions, UnrecoverableError } from 'bullmq';
import type { StoredEvent } from '../core/payload.js';
import type { Logger } from '../observability/logger.js';
import { jitteredBackoff } from '../queue/backoff.js';
import { GroupCommit } from '../queue/group-commit.js';
import { type DeliveryJobData, deliveryIdFor } from '../queue/jobs.js';
import type { Outbox } from '../queue/outbox.js';
import { judgeFailure, recordVerdict, type SteeringContext } from '../queue/steer.js';
import { deliverOnce, type ProcessorDependencies } from './delivery-processor.js';

/** After a failed attempt, a destination's deliveries go through its queue for this long. */
export const FAST_LANE_COOL_DOWN_MS = 30_000;

/** How many settled ids one outbox call removes at most. */
const MAX_SETTLE_BATCH = 500;
/**
 * Settled ids are removed together, this often at most: nobody waits for the removal, and one
 * call for many deliveries costs Redis and this process less than one each. A crash in between
 * leaves them to be queued once more after their lease (delivered twice, with one id).
 */
const SETTLE_LINGER_MS = 20;

export interface FastLaneOptions {
  outbox: Outbox;
  processor: ProcessorDependencies;
  logger: Logger;
  /** Error text is stored in Redis (dead letters) and shown to operators: secrets go first. */
  redact: (text: string) => string;
}

interface Destination {
  key: string;
  jobOptions: JobsOptions;
}

/**
 * The first attempt of each delivery, made by the process that accepted the event, right after
 * the event and its deliveries were stored in the outbox (queue/outbox.ts) and before any queue
 * round trip. A delivered one is removed from the outbox; a failed one is handed to its
 * destination's queue with the attempt counted (retry with backoff, 429 deferral or dead letter,
 * by the same rule as a worker's); one this process cannot finish (it stopped, or died) is taken
 * from the outbox by a worker once its lease ends.
 *
 * Per-destination isolation as in the queues: a destination never has more than
 * queue.concurrency first attempts in flight here, and after a failure its deliveries go through
 * its queue for a while (FAST_LANE_COOL_DOWN_MS), so a slow or failing provider is retried by its
 * own workers and never holds up another destination.
 */
export class FastLane {
  private readonly inFlight = new Map<string, number>();
  /** Delivery ids being attempted: their leases are renewed until they settle. */
  private readonly leased = new Set<string>();
  private readonly coolingUntil = new Map<string, number>();
  private readonly settles: GroupCommit<string, undefined>;
  private readonly renewal: NodeJS.Timeout;
  /** Attempts and hand-offs not finished yet, for close(). */
  private readonly pending = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly options: FastLaneOptions) {
    const { outbox } = options;
    this.settles = new GroupCommit(
      async (ids) => {
        await outbox.settle(ids);
        return ids.map(() => undefined);
      },
      MAX_SETTLE_BATCH,
      SETTLE_LINGER_MS,
    );
    this.renewal = setInterval(() => this.renewLeases(), Math.max(250, Math.floor(outbox.leaseMs / 2)));
    this.renewal.unref();
  }

  get outbox(): Outbox {
    return this.options.outbox;
  }

  /** Starts the first attempt of each delivery of a stored event. Never throws. */
  start(event: StoredEvent, destinations: readonly Destination[]): void {
    for (const destination of destinations) {
      const attempt = this.attempt(event, destination);
      this.pending.add(attempt);
      void attempt.finally(() => this.pending.delete(attempt));
    }
  }

  private async attempt(event: StoredEvent, { key, jobOptions }: Destination): Promise<void> {
    const deliveryId = deliveryIdFor(event.id, key);
    const data: DeliveryJobData = { event, connector: key, deliveryId, deferrals: 0 };
    const settings = this.options.processor.settings;
    const running = this.inFlight.get(key) ?? 0;
    if (this.closing || running >= settings.concurrency || (this.coolingUntil.get(key) ?? 0) > Date.now()) {
      await this.handOff(data, jobOptions, 0);
      return;
    }
    this.inFlight.set(key, running + 1);
    this.leased.add(deliveryId);
    let failure: { error: unknown } | undefined;
    try {
      await deliverOnce(data, 0, this.options.processor);
    } catch (error) {
      failure = { error };
    } finally {
      this.leased.delete(deliveryId);
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
    if (!failure) return this.settle(deliveryId);
    this.coolingUntil.set(key, Date.now() + FAST_LANE_COOL_DOWN_MS);
    await this.handOffFailure(data, jobOptions, failure.error);
  }

  /** The failed first attempt, judged by the workers' rule, continues as a job of its queue. */
  private async handOffFailure(
    data: DeliveryJobData,
    jobOptions: JobsOptions,
    error: unknown,
  ): Promise<void> {
    const { processor, logger, redact } = this.options;
    // Already a dead letter by its own say (e.g. the destination left the config): filed as one.
    if (error instanceof UnrecoverableError)
      return this.handOff({ ...data, deadLetter: redact(error.message) }, jobOptions, 0);
    const context: SteeringContext = {
      kind: 'delivery',
      label: data.connector,
      maxRateLimitDeferrals: processor.settings.max_rate_limit_deferrals,
      metrics: processor.metrics,
      logger,
      redact,
    };
    const verdict = judgeFailure(
      error,
      { attempt: 1, attemptsAllowed: jobOptions.attempts ?? 1, deferrals: 0 },
      context,
    );
    // A dead letter is counted once, by the worker that files it.
    recordVerdict(verdict, { job: data.deliveryId, attempt: 1 }, context, { countDeadLetter: false });
    switch (verdict.kind) {
      case 'defer':
        return this.handOff({ ...data, deferrals: verdict.deferrals }, jobOptions, verdict.retryAfterMs);
      case 'dead':
        return this.handOff({ ...data, deadLetter: verdict.message }, jobOptions, 0);
      case 'retry':
        if (verdict.final) return this.handOff({ ...data, deadLetter: verdict.message }, jobOptions, 0);
        return this.handOff(
          { ...data, priorAttempts: 1 },
          jobOptions,
          jitteredBackoff(1, processor.settings.backoff_base_ms, processor.settings.backoff_max_ms),
        );
    }
  }

  /** Queues the delivery (job id = delivery id, so a second hand-off adds nothing), then settles it. */
  private async handOff(data: DeliveryJobData, jobOptions: JobsOptions, delayMs: number): Promise<void> {
    try {
      await this.options.processor.queues
        .delivery(data.connector)
        .add('deliver', data, { ...jobOptions, jobId: data.deliveryId, delay: delayMs });
      await this.settle(data.deliveryId);
    } catch (error) {
      // Its lease ends without renewal and a worker queues it from the outbox.
      this.options.logger.warn(
        { err: error, integration: data.connector, job: data.deliveryId },
        'could not queue a delivery after its first attempt; a worker takes it from the outbox when its lease ends',
      );
    }
  }

  private async settle(deliveryId: string): Promise<void> {
    try {
      await this.settles.submit(deliveryId);
    } catch (error) {
      // Left in the outbox it is queued again after its lease: delivered twice, with one id.
      this.options.logger.warn(
        { err: error, job: deliveryId },
        'could not remove a finished delivery from the outbox; it may be delivered again with the same id',
      );
    }
  }

  private renewLeases(): void {
    if (this.leased.size === 0) return;
    this.options.outbox
      .renew([...this.leased])
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'could not renew the leases of deliveries in flight'),
      );
  }

  /**
   * Hands new deliveries to the queues and waits up to `timeoutMs` for attempts in flight.
   * Whatever is still running then stays in the outbox, for a worker once its lease ends.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.pending]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    clearInterval(this.renewal);
  }
}
