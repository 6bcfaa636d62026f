import type { EventPayload } from '../core/payload.js';
import { lastReadinessEntry, type ReadinessException } from './readiness.js';

export type ReadinessEventName =
  | 'readiness_exception_acknowledged'
  | 'readiness_exception_escalated'
  | 'readiness_exception_resolved';

export interface EscalationDetails {
  policy?: string;
  round: number;
  step: number;
  targets: string[];
}

/**
 * The event a change of a readiness exception raises. `spec.id` is the exception's spec, so it
 * lands in that spec's thread and ticket; the id is fixed per exception and step
 * (`<exception>.acknowledged`, `<exception>.escalated.r0s1`), so a retried change is one event.
 */
export function readinessEvent(
  exception: ReadinessException,
  event: ReadinessEventName,
  step: string,
  escalation?: EscalationDetails,
): EventPayload {
  const acked = lastReadinessEntry(exception, 'acknowledged');
  const resolved = lastReadinessEntry(exception, 'resolved');
  return {
    id: `${exception.id}.${step}`,
    event,
    timestamp: new Date().toISOString(),
    spec: {
      id: exception.specId,
      ...(exception.specTitle ? { title: exception.specTitle } : {}),
      ...(exception.specUrl ? { url: exception.specUrl } : {}),
    },
    readiness: {
      id: exception.id,
      ...(exception.gate ? { gate: exception.gate } : {}),
      ...(exception.reason ? { reason: exception.reason } : {}),
      status: exception.status,
      opened_at: exception.openedAt,
      due_at: exception.dueAt,
      ...(acked ? { acknowledged_by: acked.by, acknowledged_at: acked.at } : {}),
      ...(resolved ? { resolved_by: resolved.by, resolved_at: resolved.at } : {}),
      ...(escalation ? { escalation } : {}),
    },
  };
}

/** The exception a readiness_exception_* event names (`readiness.id`), if any. */
export function exceptionIdOf(payload: EventPayload): string | undefined {
  const { readiness } = payload;
  if (!readiness || !('id' in readiness)) return undefined;
  return typeof readiness.id === 'string' && readiness.id !== '' ? readiness.id : undefined;
}
