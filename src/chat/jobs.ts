import type { ReplyTo } from './types.js';

export const ACTIONS_QUEUE = 'actions';

/** A queued command: what to run, for whom, and where its result goes. */
export interface ActionJobData {
  command: string;
  args: Record<string, unknown>;
  replyTo: ReplyTo;
  /** Derived from the platform's request id, so a retried job never acts twice. */
  idempotencyKey: string;
}

/** BullMQ job ids cannot contain ':'. */
export function actionJobId(idempotencyKey: string): string {
  return `act.${idempotencyKey.replace(/[^\w.@-]/g, '_')}`;
}
