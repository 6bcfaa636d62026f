import { z } from 'zod';
import { approvalCard } from '../cards/approval.js';
import { resultCard } from '../cards/result.js';
import { userKey } from '../src/core/chat.js';
import type { Waiver } from '../src/workflows/waivers.js';
import { type CommandContext, type CommandResult, defineCommand } from './define.js';

function waiverEvent(waiver: Waiver, event: 'waiver_requested' | 'waiver_approved' | 'waiver_rejected') {
  return {
    id: `${waiver.id}.${waiver.status}`,
    event,
    timestamp: new Date().toISOString(),
    spec: { id: waiver.specId },
    waiver: {
      id: waiver.id,
      reason: waiver.reason,
      status: waiver.status,
      requested_by: waiver.requestedBy,
      decided_by: waiver.decidedBy,
    },
  } as const;
}

export const waiverRequest = defineCommand({
  name: 'waiver request',
  summary: 'ask the approvers to waive a check for a spec',
  usage: 'waiver request <spec-id> <reason>',
  positionals: ['specId', 'reason'],
  rest: true,
  args: z.object({
    specId: z.string().regex(/^[\w.-]{1,100}$/, 'must be a spec id like FEAT-0001'),
    reason: z.string().min(3).max(1000),
  }),
  role: 'viewer',
  mode: 'queued',
  pending: ({ specId }) => `Requesting a waiver for ${specId}…`,
  async run({ specId, reason }, { invoker, idempotencyKey, services }) {
    const waiver = await services.waivers.request({ specId, reason, by: userKey(invoker) }, idempotencyKey);
    await services.emit(waiverEvent(waiver, 'waiver_requested'));
    return {
      visibility: 'subject',
      subject: waiver.id,
      parent: approvalCard(waiver),
      card: resultCard(
        `📋 ${waiver.id} requested for ${specId}`,
        'An approver can press Approve or Reject on the card.',
      ),
    };
  },
});

async function decide(
  id: string,
  decision: 'approved' | 'rejected',
  { invoker, services }: CommandContext,
): Promise<CommandResult> {
  const { applied, waiver } = await services.waivers.decide(id, decision, userKey(invoker));
  if (!applied) {
    return {
      visibility: 'ephemeral',
      card: resultCard(
        `${waiver.id} was already ${waiver.status}`,
        `by ${waiver.decidedBy} at ${waiver.decidedAt}`,
      ),
    };
  }
  await services.emit(waiverEvent(waiver, decision === 'approved' ? 'waiver_approved' : 'waiver_rejected'));
  return {
    visibility: 'subject',
    subject: waiver.id,
    parent: approvalCard(waiver),
    card: resultCard(
      `${decision === 'approved' ? '✅' : '🚫'} ${waiver.id} ${decision} by ${waiver.decidedBy}`,
      undefined,
      decision === 'approved' ? 'success' : 'failure',
    ),
  };
}

const idArgs = z.object({ id: z.string().regex(/^WVR-\d+$/i, 'must be a waiver id like WVR-3') });

export const waiverApprove = defineCommand({
  name: 'waiver approve',
  button: { actionId: 'waiver.approve', argument: 'id' },
  summary: 'approve a waiver (approvers only; never your own)',
  usage: 'waiver approve <waiver-id>',
  positionals: ['id'],
  args: idArgs,
  role: 'approver',
  mode: 'queued',
  pending: ({ id }) => `Approving ${id}…`,
  run: ({ id }, context) => decide(id, 'approved', context),
});

export const waiverReject = defineCommand({
  name: 'waiver reject',
  button: { actionId: 'waiver.reject', argument: 'id' },
  summary: 'reject a waiver (approvers only; never your own)',
  usage: 'waiver reject <waiver-id>',
  positionals: ['id'],
  args: idArgs,
  role: 'approver',
  mode: 'queued',
  pending: ({ id }) => `Rejecting ${id}…`,
  run: ({ id }, context) => decide(id, 'rejected', context),
});
