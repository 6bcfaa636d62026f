import type { Card } from '../src/core/card.js';
import type { Waiver } from '../src/workflows/waivers.js';

export function approvalCard(waiver: Waiver): Card {
  const decided = waiver.status !== 'pending';
  return {
    title: `${decided ? (waiver.status === 'approved' ? '✅' : '🚫') : '📋'} Waiver ${waiver.id} for ${waiver.specId}`,
    severity: waiver.status === 'approved' ? 'success' : waiver.status === 'rejected' ? 'failure' : 'info',
    text: waiver.reason,
    fields: [
      { label: 'Spec', value: waiver.specId, inline: true },
      { label: 'Status', value: waiver.status, inline: true },
      { label: 'Requested by', value: `${waiver.requestedBy} at ${waiver.requestedAt}`, inline: false },
      ...(decided
        ? [
            {
              label: waiver.status === 'approved' ? 'Approved by' : 'Rejected by',
              value: `${waiver.decidedBy} at ${waiver.decidedAt}`,
              inline: false,
            },
          ]
        : []),
    ],
    links: [],
    actions: decided
      ? []
      : [
          { id: 'waiver.approve', label: 'Approve', style: 'primary', value: waiver.id },
          { id: 'waiver.reject', label: 'Reject', style: 'danger', value: waiver.id },
        ],
    footer: `Threadline · ${waiver.id}`,
  };
}
