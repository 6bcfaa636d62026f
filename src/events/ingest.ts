import { createHash, randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { QueueSettings } from '../config/schema.js';
import { QueueUnavailableError } from '../core/errors.js';
import type { EventName } from '../core/events.js';
import type { EventPayload, StoredEvent } from '../core/payload.js';
import type { Metrics } from '../observability/metrics.js';
import { jobOptions } from '../queue/job-options.js';
import type { QueueSet } from '../queue/queues.js';

const SAFE_ID = /^[\w.@-]{1,200}$/;

export interface Acceptance {
  id: string;
  duplicate: boolean;
}

/** Told about every event once it is stored (or recognised as a duplicate). */
export type AcceptanceListener = (accepted: Acceptance & { event: EventName }) => void;

/** Makes an event id from the payload's `id`, else `X-Request-Id`, else a fresh one. */
export function eventIdFor(payload: EventPayload, requestId: string | undefined): string {
  if (payload.id) return payload.id;
  if (requestId && requestId.trim() !== '') {
    const trimmed = requestId.trim();
    // Ids end up in job ids and keys: anything unusual is hashed to a safe, stable form.
    return SAFE_ID.test(trimmed)
      ? trimmed
      : `rq-${createHash('sha256').update(trimmed).digest('hex').slice(0, 32)}`;
  }
  return randomUUID();
}

/**
 * Stores an accepted event in the events queue. The queue's deduplication key (kept for the
 * dedup window) makes a redelivered id a no-op; the caller may answer 202 once this resolves.
 */
export class EventIngestor {
  private readonly jobOptions: JobsOptions;
  private readonly dedupWindowMs: number;

  constructor(
    private readonly queues: QueueSet,
    settings: QueueSettings,
    private readonly metrics?: Metrics,
    private readonly onAccepted?: AcceptanceListener,
  ) {
    // Routing an event only writes to Redis, so its retries follow queue.* like any other job.
    this.jobOptions = jobOptions('event', settings);
    this.dedupWindowMs = settings.dedup_window_hours * 3_600_000;
  }

  async accept(payload: EventPayload, requestId?: string): Promise<Acceptance> {
    const id = eventIdFor(payload, requestId);
    // Only ids the sender chose can be sent again; a generated id needs no dedup key in Redis.
    const senderChoseId = Boolean(payload.id) || Boolean(requestId?.trim());
    const event: StoredEvent = {
      id,
      receivedAt: Date.now(),
      payload: { ...payload, id, timestamp: payload.timestamp ?? new Date().toISOString() },
    };
    const jobId = `ev-${randomUUID()}`;
    let job: { id?: string | undefined };
    try {
      job = await this.queues.events.add(
        'event',
        { event },
        {
          jobId,
          ...this.jobOptions,
          ...(senderChoseId ? { deduplication: { id, ttl: this.dedupWindowMs } } : {}),
        },
      );
    } catch (error) {
      this.metrics?.eventsRejected.inc({ reason: 'unavailable' });
      throw new QueueUnavailableError(
        'the event store (Redis) is unavailable; retry later with the same event id (a retry of an event that was stored after all is deduplicated)',
        { cause: error },
      );
    }
    const duplicate = job.id !== jobId;
    this.metrics?.eventsReceived.inc({ event: payload.event, duplicate: String(duplicate) });
    this.onAccepted?.({ id, duplicate, event: payload.event });
    return { id, duplicate };
  }
}
