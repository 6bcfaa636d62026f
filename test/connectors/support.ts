import { EventPayload, type StoredEvent } from '../../src/core/payload.js';

/** An accepted event built from a partial payload, with a fixed timestamp so rendering is stable. */
export function stored(payload: Record<string, unknown>, id = 'evt-1'): StoredEvent {
  const timestamp = '2026-11-22T10:00:00Z';
  const parsed = EventPayload.parse({ id, timestamp, ...payload });
  return { id, receivedAt: Date.now(), payload: { ...parsed, id, timestamp } };
}

/** The spec the tracker connector tests follow through its lifecycle. */
export const spec = {
  id: 'FEAT-0001',
  title: 'User Authentication',
  file: 'specs/features/FEAT-0001.yaml',
  status: 'draft',
};

/** A spec lifecycle event for `spec`, its id named after the event unless given. */
export function event(name: string, extra: Record<string, unknown> = {}, id = `evt-${name}`): StoredEvent {
  return stored({ event: name, spec, ...extra }, id);
}

/** The delivery a connector test delivers in: one first attempt. */
export const context = { deliveryId: 'dlv-1', attempt: 1 };
