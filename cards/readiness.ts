import type { Card, CardSeverity } from '../src/core/card.js';
import {
  lastReadinessEntry,
  type ReadinessException,
  type ReadinessStatus,
} from '../src/workflows/readiness.js';

const STATUS_LABEL: Record<ReadinessStatus, string> = {
  open: '🛑 Waiting for an owner',
  acknowledged: '👀 Acknowledged',
  resolved: '✅ Resolved',
};

const SEVERITY: Record<ReadinessStatus, CardSeverity> = {
  open: 'warning',
  acknowledged: 'info',
  resolved: 'success',
};

/**
 * A readiness exception's card, the parent of its spec's thread: where it stands, whose it is,
 * and the buttons an owner still needs (Acknowledge while it waits, Resolve until it is resolved).
 */
export function readinessCard(exception: ReadinessException): Card {
  const acked = lastReadinessEntry(exception, 'acknowledged');
  const escalated = lastReadinessEntry(exception, 'escalated');
  const resolved = lastReadinessEntry(exception, 'resolved');
  const fields = [
    { label: 'Spec', value: exception.specId, inline: true },
    { label: 'Status', value: STATUS_LABEL[exception.status], inline: true },
    ...(exception.gate ? [{ label: 'Gate', value: exception.gate, inline: true }] : []),
    ...(exception.reason ? [{ label: 'Reason', value: exception.reason, inline: false }] : []),
    { label: 'Opened', value: exception.openedAt, inline: true },
    ...(exception.status === 'open'
      ? [{ label: 'Acknowledge by', value: exception.dueAt, inline: true }]
      : []),
    ...(acked ? [{ label: 'Acknowledged by', value: `${acked.by} at ${acked.at}`, inline: false }] : []),
    ...(escalated && exception.status === 'open'
      ? [{ label: 'Escalated to', value: `${escalated.note ?? ''} at ${escalated.at}`, inline: false }]
      : []),
    ...(resolved ? [{ label: 'Resolved by', value: `${resolved.by} at ${resolved.at}`, inline: false }] : []),
  ];
  const resolve = {
    id: 'readiness.resolve',
    label: 'Resolve',
    style: 'default' as const,
    value: exception.id,
    confirm: {
      title: `Resolve ${exception.id}?`,
      text: `This closes the readiness exception of ${exception.specId} for everyone.`,
      confirm: 'Resolve',
      deny: 'Cancel',
    },
  };
  return {
    title: `${exception.status === 'resolved' ? '✅' : '🛑'} Readiness exception: ${exception.specId}${
      exception.specTitle ? ` ${exception.specTitle}` : ''
    }`,
    severity: SEVERITY[exception.status],
    fields,
    links: exception.specUrl ? [{ label: 'View Spec', url: exception.specUrl }] : [],
    actions:
      exception.status === 'open'
        ? [
            {
              id: 'readiness.ack',
              label: 'Acknowledge',
              style: 'primary' as const,
              value: exception.id,
            },
            resolve,
          ]
        : exception.status === 'acknowledged'
          ? [resolve]
          : [],
    footer: `Threadline · ${exception.id}`,
  };
}
