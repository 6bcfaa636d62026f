import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Job } from 'bullmq';
import { errorCard } from '../../cards/result.js';
import type { Acknowledgement, ReplyTo } from '../core/chat.js';
import { renderConsoleCard } from '../platforms/console/render.js';
import { resolveCommand } from './parse.js';
import type { ChatRuntime } from './runtime.js';

/**
 * How a line ended: `done`, `failed` (refused, or the command reported an error), `usage` (no
 * such command, or wrong arguments) or `unfinished` (still running when the wait ended).
 */
export type ConsoleOutcome = 'done' | 'failed' | 'usage' | 'unfinished';

export interface ConsoleAnswer extends Acknowledgement {
  /** Set when the answer already settles the line (nothing was queued). */
  outcome?: Exclude<ConsoleOutcome, 'unfinished'>;
}

export interface ConsoleSession {
  /** Runs one line: `page payments "checkout 500s"`, or `!incident.ack INC-3` to press a button. */
  run(line: string): Promise<ConsoleAnswer>;
  /** Waits until a queued command has finished and its result has been printed. */
  settle(answer: ConsoleAnswer, timeoutMs?: number): Promise<ConsoleOutcome>;
}

const ERROR_TITLE = errorCard('').title;

/**
 * The CLI twin of chat on an assembled console process: lines typed here go through the same
 * router, commands, RBAC and threads as a slash command, as the RBAC member console:<user>.
 */
export function openConsoleSession(
  chat: ChatRuntime,
  options: { write: (text: string) => void; user?: string },
): ConsoleSession {
  const { write } = options;
  const user = options.user ?? userInfo().username;
  const replyTo: ReplyTo = {
    platform: 'console',
    workspace: 'console',
    conversation: `terminal-${user}`,
    user: { platform: 'console', id: user, name: user },
  };
  const slashCommand = new RegExp(`^/${escapeRegExp(chat.services.commandName)}(?:\\s+|$)`, 'i');

  return {
    async run(line) {
      // The same text a user types in Slack works here: `/ops help` is `help`.
      const text = line.trim().replace(slashCommand, '');
      const button = /^!(\S+)\s+(\S+)$/.exec(text);
      const ack = button
        ? await chat.router.handleAction({
            id: randomUUID(),
            actionId: button[1]!,
            value: button[2]!,
            replyTo,
          })
        : await chat.router.handleCommand({ id: randomUUID(), text, replyTo });
      write(`${renderConsoleCard(ack.card)}\n`);
      if (!button && resolveCommand(text, chat.services.commands()).kind !== 'command')
        return { ...ack, outcome: 'usage' };
      if (ack.card.title === ERROR_TITLE) return { ...ack, outcome: 'failed' };
      return ack.job ? ack : { ...ack, outcome: 'done' };
    },
    async settle(answer, timeoutMs = 30_000) {
      if (answer.outcome || !answer.job) return answer.outcome ?? 'done';
      const queue = chat.actionsQueue('console');
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const job = await Job.fromId(queue, answer.job.id);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'completed') return job?.returnvalue === ERROR_TITLE ? 'failed' : 'done';
        if (state === 'failed' && job && job.attemptsMade >= (job.opts.attempts ?? 1)) return 'failed';
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      write(`… still running after ${timeoutMs / 1000} s; the result will appear here when it is done\n`);
      return 'unfinished';
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
