import { createHash, randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { QueueSettings } from '../config/schema.js';
import { QueueUnavailableError } from '../core/errors.js';
import type { EventName } from '../core/events.js';
import type { EventPayload, StoredEvent } from '../core/payload.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventWrite } from '../queue/event-writer.js';
import { GroupCommit } from '../queue/group-commit.js';
import { jobOptions } from '../queue/job-options.js';
import type { QueueSet } from '../queue/queues.js';
import type { FastLane } from './fast-lane.js';

const SAFE_ID = /^[\w.@-]{1,200}$/;

export interface Acceptance {
  id: string;
  duplicate: boolean;
}

/** Told about every event once it is stored (or recognised as a duplicate). */
export type AcceptanceListener = (
  accepted: Acceptance & { event: EventName; destinations: readonly string[] },
) => void;

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

/** Where an event goes: the destinations that listen to it, from the config. */
export type EventRoute = (event: EventName) => ReadonlyArray<{ key: string; retryCount: number }>;

/**
 * Sees each accepted event before it is stored and routed, e.g. the incident workflow applying a
 * pager-side ack so every delivery renders the new state, or escalation timers starting. It
 * writes to Redis only and must be safe to repeat: a sender's retry (same id) runs it again.
 */
export type EventObserver = (event: StoredEvent) => Promise<void>;

/** How many accepted events one Redis transaction carries at most. */
const MAX_BATCH = 64;

/**
 * Stores an accepted event together with its deliveries in one Redis round trip; the caller may
 * answer 202 once this resolves. Deliveries are stored as jobs, one per destination in that
 * destination's queue, or, with a fast lane, in the outbox for this process's own first attempt.
 * Events accepted in the same turn of the event loop share that write (group commit).
 * A dedup key kept for the dedup window makes a redelivered id a no-op.
 */
export class EventIngestor {
  private readonly dedupWindowMs: number;
  private readonly writes: GroupCommit<EventWrite, boolean>;
  private readonly optionsByRetries = new Map<number, JobsOptions>();

  constructor(
    private readonly queues: QueueSet,
    private readonly settings: QueueSettings,
    private readonly route: EventRoute,
    private readonly metrics?: Metrics,
    private readonly onAccepted?: AcceptanceListener,
    private readonly observe?: EventObserver,
    /** When set, deliveries go to the outbox and this process makes their first attempt itself. */
    private readonly fastLane?: FastLane,
  ) {
    this.dedupWindowMs = settings.dedup_window_hours * 3_600_000;
    const store = fastLane?.outbox ?? queues.eventWriter(this.dedupWindowMs);
    this.writes = new GroupCommit((batch) => store.write(batch), MAX_BATCH);
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
    try {
      // Before the write: a retry after a failed write sees the event again, never one stored unseen.
      await this.observe?.(event);
    } catch (error) {
      this.metrics?.eventsRejected.inc({ reason: 'unavailable' });
      throw new QueueUnavailableError(
        'the event could not be applied to the incident state in Redis; retry later with the same event id',
        { cause: error },
      );
    }
    const destinations = this.route(payload.event).map((connector) => {
      // The delivery queue's own Queue sets its meta (the event stream's length) once per process.
      this.queues.delivery(connector.key);
      return { key: connector.key, jobOptions: this.deliveryOptions(connector.retryCount) };
    });
    let duplicate: boolean;
    try {
      duplicate = await this.writes.submit({ event, deduplicate: senderChoseId, destinations });
    } catch (error) {
      this.metrics?.eventsRejected.inc({ reason: 'unavailable' });
      throw new QueueUnavailableError(
        'the event store (Redis) is unavailable; retry later with the same event id (a retry of an event that was stored after all is deduplicated)',
        { cause: error },
      );
    }
    if (!duplicate) this.fastLane?.start(event, destinations);
    this.metrics?.eventsReceived.inc({ event: payload.event, duplicate: String(duplicate) });
    this.onAccepted?.({
      id,
      duplicate,
      event: payload.event,
      destinations: duplicate ? [] : destinations.map((d) => d.key),
    });
    return { id, duplicate };
  }

  private deliveryOptions(retryCount: number): JobsOptions {
    let options = this.optionsByRetries.get(retryCount);
    if (!options) {
      options = jobOptions('delivery', this.settings, retryCount);
      this.optionsByRetries.set(retryCount, options);
    }
    return options;
  }
}
