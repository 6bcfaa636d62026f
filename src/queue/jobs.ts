import type { StoredEvent } from '../core/payload.js';
import type { Deferrable } from './steer.js';

/** Queue names. BullMQ forbids ':' in names; the Redis key prefix comes from redis.prefix. */
export const EVENTS_QUEUE = 'events';
export const DIGESTS_QUEUE = 'digests';
/** SLA timers of escalation policies (delayed jobs, src/events/escalation-queue.ts). */
export const ESCALATIONS_QUEUE = 'escalations';
/** SLA timers of readiness exceptions (the same delayed-job machinery, src/workflows/readiness-sla.ts). */
export const READINESS_TIMERS_QUEUE = 'readiness-timers';
export function deliveryQueueName(connectorKey: string): string {
  return `deliveries.${connectorKey}`;
}

export interface EventJobData {
  event: StoredEvent;
}

/** A delivery's job; `priorAttempts` (from Deferrable) counts the accepting process's own first attempt. */
export interface DeliveryJobData extends Deferrable {
  event: StoredEvent;
  connector: string;
  deliveryId: string;
  /** How often a provider's 429 pushed this delivery back (these do not count as attempts). */
  deferrals: number;
  /** Set when an operator replays a dead letter. */
  replays?: number;
  /** The accepting process's first attempt (src/events/fast-lane.ts) made it a dead letter: its job files it, unsent. */
  deadLetter?: string;
}

export interface DigestJobData {
  connector: string;
  /** Provider 429s that pushed this digest back; absent on digests queued before it was counted. */
  deferrals?: number;
}

export interface DeliveryResult {
  status: 'delivered' | 'held';
  summary: string;
  reference?: string;
}

/** Same event, same destination → same id, on every attempt and every replay. */
export function deliveryIdFor(eventId: string, connectorKey: string): string {
  return `${eventId}.${connectorKey}`;
}
