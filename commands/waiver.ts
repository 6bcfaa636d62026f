import { z } from 'zod';
import { approvalCard, quorumLine } from '../cards/approval.js';
import { resultCard } from '../cards/result.js';
import { type ChatUser, userKey } from '../src/core/chat.js';
import { waiverEvent } from '../src/workflows/waiver-events.js';
import { type Voter, voterName } from '../src/workflows/waivers.js';
import { type CommandContext, type CommandResult, defineCommand } from './define.js';

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
    const waiver = await services.waivers.request(
      { specId, reason, requester: voter(invoker) },
      idempotencyKey,
    );
    await services.emit(waiverEvent(waiver, 'waiver_requested'));
    return {
      visibility: 'subject',
      subject: waiver.id,
      parent: approvalCard(waiver),
      card: resultCard(
        `📋 ${waiver.id} requested for ${specId}`,
        waiver.requiredApprovals === 1
          ? 'An approver can press Approve or Reject on the card.'
          : `It needs ${waiver.requiredApprovals} approvers to press Approve; one Reject rejects it.`,
      ),
    };
  },
});

function voter(user: ChatUser): Voter {
  return { by: userKey(user), ...(user.name ? { name: user.name } : {}) };
}

async function decide(
  id: string,
  decision: 'approved' | 'rejected',
  { invoker, idempotencyKey, services }: CommandContext,
): Promise<CommandResult> {
  const me = voter(invoker);
  const { outcome, waiver } =
    decision === 'approved'
      ? await services.waivers.approve(id, me, idempotencyKey)
      : await services.waivers.reject(id, me, idempotencyKey);
  switch (outcome) {
    case 'already-decided':
      return {
        visibility: 'ephemeral',
        card: resultCard(
          `${waiver.id} was already ${waiver.status}`,
          `by ${waiver.decidedBy} at ${waiver.decidedAt}. A decision is final.`,
        ),
      };
    case 'already-voted':
      return {
        visibility: 'ephemeral',
        card: resultCard(
          `You have already approved ${waiver.id}`,
          `Your approval counts once: ${quorumLine(waiver)}.`,
        ),
      };
    case 'counted':
      return {
        visibility: 'subject',
        subject: waiver.id,
        parent: approvalCard(waiver),
        card: resultCard(`👍 ${waiver.id} approved by ${voterName(me)}: ${quorumLine(waiver)}`),
      };
    case 'decided': {
      await services.emit(
        waiverEvent(waiver, decision === 'approved' ? 'waiver_approved' : 'waiver_rejected'),
      );
      const by =
        decision === 'approved'
          ? waiver.approvals.map(voterName).join(', ')
          : voterName(waiver.rejection ?? me);
      return {
        visibility: 'subject',
        subject: waiver.id,
        parent: approvalCard(waiver),
        card: resultCard(
          `${decision === 'approved' ? '✅' : '🚫'} ${waiver.id} ${decision} by ${by}`,
          `Decided at ${waiver.decidedAt}; the decision is final.`,
          decision === 'approved' ? 'success' : 'failure',
        ),
      };
    }
  }
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
