import type { CommandResult } from '../../commands/define.js';
import type { ReplyTo } from '../core/chat.js';

/**
 * Queued commands go to one queue per platform, so a worker only takes jobs whose results it
 * can post. A console session has a queue of its own: only that terminal can print its results.
 */
export function actionsQueueName(platform: string, session?: string): string {
  return session ? `actions.${platform}.${session}` : `actions.${platform}`;
}

/** A queued command: what to run, for whom, and where its result goes. */
export interface ActionJobData {
  command: string;
  args: Record<string, unknown>;
  replyTo: ReplyTo;
  /** Derived from the platform's request id, so a retried job never acts twice. */
  idempotencyKey: string;
  /** Set once the command has run, so a retried post never runs the command a second time. */
  result?: CommandResult;
  /** Platform 429s that pushed this job back (not attempts); capped by queue.max_rate_limit_deferrals. */
  deferrals?: number;
}

/** BullMQ job ids cannot contain ':'. */
export function actionJobId(idempotencyKey: string): string {
  return `act.${idempotencyKey.replace(/[^\w.@-]/g, '_')}`;
}
