import type { Card, CardField } from '../src/core/card.js';
import { signedVote, voterName, type Waiver } from '../src/workflows/waivers.js';

/** `1 of 2 approvals: @alice` — how far a waiver is from its quorum, and who approved. */
export function quorumLine(waiver: Waiver): string {
  const required = waiver.requiredApprovals;
  const count = `${waiver.approvals.length} of ${required} approval${required === 1 ? '' : 's'}`;
  return waiver.approvals.length === 0 ? count : `${count}: ${waiver.approvals.map(voterName).join(', ')}`;
}

/** The waiver's card: Approve / Reject while pending, then who decided and when, without buttons. */
export function approvalCard(waiver: Waiver): Card {
  const decided = waiver.status !== 'pending';
  const fields: CardField[] = [
    { label: 'Spec', value: waiver.specId, inline: true },
    { label: 'Status', value: waiver.status, inline: true },
    { label: 'Quorum', value: quorumLine(waiver), inline: true },
    {
      label: 'Requested by',
      value: signedVote({ by: waiver.requestedBy, name: waiver.requestedByName, at: waiver.requestedAt }),
      inline: false,
    },
  ];
  if (waiver.status === 'approved')
    fields.push({ label: 'Approved by', value: waiver.approvals.map(signedVote).join('\n'), inline: false });
  if (waiver.rejection)
    fields.push({ label: 'Rejected by', value: signedVote(waiver.rejection), inline: false });
  return {
    title: `${decided ? (waiver.status === 'approved' ? '✅' : '🚫') : '📋'} Waiver ${waiver.id} for ${waiver.specId}`,
    severity: waiver.status === 'approved' ? 'success' : waiver.status === 'rejected' ? 'failure' : 'info',
    text: waiver.reason,
    fields,
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
