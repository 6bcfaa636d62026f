import { z } from 'zod';
import type { EventPayload } from '../core/payload.js';
import { signedVote, type Waiver, type WaiverVote } from './waivers.js';

export type WaiverEventName = 'waiver_requested' | 'waiver_approved' | 'waiver_rejected';

const STEP: Record<WaiverEventName, string> = {
  waiver_requested: 'pending',
  waiver_approved: 'approved',
  waiver_rejected: 'rejected',
};

/**
 * The event a waiver raises through the pipeline. `spec.id` is the waived spec, so a ticket
 * connector finds the spec's ticket by it. The id is fixed per waiver and step
 * (`WVR-3.approved`): however often a decision is reported, it is one event.
 */
export function waiverEvent(waiver: Waiver, event: WaiverEventName): EventPayload {
  return {
    id: `${waiver.id}.${STEP[event]}`,
    event,
    timestamp: waiver.decidedAt ?? waiver.requestedAt,
    spec: { id: waiver.specId },
    waiver: {
      id: waiver.id,
      reason: waiver.reason,
      status: waiver.status,
      requested_by: waiver.requestedBy,
      requested_at: waiver.requestedAt,
      required_approvals: waiver.requiredApprovals,
      approvals: waiver.approvals.map(eventVote),
      ...(waiver.rejection ? { rejection: eventVote(waiver.rejection) } : {}),
      decided_by: waiver.decidedBy,
      decided_at: waiver.decidedAt,
    },
  };
}

function eventVote(vote: WaiverVote): { by: string; name?: string; at: string } {
  return { by: vote.by, ...(vote.name ? { name: vote.name } : {}), at: vote.at };
}

const EventVote = z.object({ by: z.string().min(1), name: z.string().optional(), at: z.string().min(1) });

/** The `waiver` block of a waiver event, as a consumer (a ticket connector, a webhook) reads it. */
export const WaiverEventBody = z.looseObject({
  id: z.string().min(1),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  requested_by: z.string().min(1),
  requested_at: z.string().optional(),
  required_approvals: z.number().int().min(1).optional(),
  approvals: z.array(EventVote).default([]),
  rejection: EventVote.optional(),
  decided_by: z.string().optional(),
  decided_at: z.string().optional(),
});
export type WaiverEventBody = z.infer<typeof WaiverEventBody>;

/**
 * A decided waiver as one plain-text note for the spec's ticket: what was decided, by whom and
 * when, and why it was asked for.
 */
export function waiverDecisionNote(body: WaiverEventBody): string {
  const approvals = body.approvals.map(signedVote);
  const required = body.required_approvals ?? Math.max(1, body.approvals.length);
  const lines = [
    body.status === 'approved'
      ? `Waiver ${body.id} approved (${body.approvals.length} of ${required} approvals).`
      : body.status === 'rejected'
        ? `Waiver ${body.id} rejected${body.rejection ? ` by ${signedVote(body.rejection)}` : ''}.`
        : `Waiver ${body.id} requested, awaiting ${required} approval${required === 1 ? '' : 's'}.`,
    `Reason: ${body.reason}`,
    `Requested by ${body.requested_by}${body.requested_at ? ` at ${body.requested_at}` : ''}.`,
    ...(approvals.length > 0 ? [`Approved by: ${approvals.join(', ')}`] : []),
  ];
  return lines.join('\n');
}
