import { EventPayload, type StoredEvent } from '../../src/core/payload.js';

/** An accepted event built from a partial payload, with a fixed timestamp so rendering is stable. */
export function stored(payload: Record<string, unknown>, id = 'evt-1'): StoredEvent {
  const timestamp = '2026-11-22T10:00:00Z';
  const parsed = EventPayload.parse({ id, timestamp, ...payload });
  return { id, receivedAt: Date.now(), payload: { ...parsed, id, timestamp } };
}
