import type { Job } from 'bullmq';
import { errorCard } from '../../cards/result.js';
import type { AnyCommand, CommandResult } from '../../commands/define.js';
import type { CommandServices } from '../../commands/services.js';
import { errorMessage, UserFacingError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { ActionJobData } from './jobs.js';
import { validate } from './parse.js';
import type { PlatformRegistry } from './platform.js';
import type { SubjectThreads } from './threads.js';

export interface ActionWorkerDependencies {
  commands: readonly AnyCommand[];
  services: CommandServices;
  platforms: PlatformRegistry;
  threads: SubjectThreads;
  logger: Logger;
  redact: (text: string) => string;
}

/** Runs a queued command and posts its result where the request came from. */
export async function processAction(
  job: Job<ActionJobData>,
  deps: ActionWorkerDependencies,
): Promise<string> {
  const { command: name } = job.data;
  const command = deps.commands.find((c) => c.name === name);
  if (!command) throw new UserFacingError(`unknown command ${name}`);
  const args = validate(command.args, job.data.args);
  if (typeof args === 'string') throw new UserFacingError(`invalid arguments: ${args}`);

  let result = job.data.result;
  if (!result) {
    result = await runCommand(command, args, job.data, deps);
    await job.updateData({ ...job.data, result });
  }
  await postResult(result, job.data, deps);
  return result.card.title;
}

async function runCommand(
  command: AnyCommand,
  args: Record<string, unknown>,
  { replyTo, idempotencyKey }: ActionJobData,
  deps: ActionWorkerDependencies,
): Promise<CommandResult> {
  try {
    return await command.run(args as never, {
      invoker: replyTo.user,
      replyTo,
      idempotencyKey,
      services: deps.services,
    });
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
    return { card: errorCard(error.message), visibility: 'ephemeral' };
  }
}

export async function postResult(
  result: CommandResult,
  data: ActionJobData,
  deps: ActionWorkerDependencies,
): Promise<void> {
  const platform = deps.platforms.require(data.replyTo.platform);
  if (result.visibility === 'ephemeral') await platform.postEphemeral(data.replyTo, result.card);
  else if (result.visibility === 'subject' && result.subject)
    await deps.threads.post(data.replyTo, result.subject, result.card, result.parent, result.copyOf);
  else await platform.post(data.replyTo, result.card);
}

/** After the last attempt: tell the person what failed and what to do next. */
export async function reportFailure(
  job: Job<ActionJobData>,
  error: Error,
  deps: ActionWorkerDependencies,
): Promise<void> {
  const platform = deps.platforms.get(job.data.replyTo.platform);
  if (!platform) return;
  const message = deps.redact(errorMessage(error));
  try {
    await platform.postEphemeral(
      job.data.replyTo,
      errorCard(
        `/${deps.services.commandName} ${job.data.command} failed after ${job.attemptsMade} attempt(s): ${message}`,
        `It was not done. Try again in a minute; an operator can replay it with threadline dlq replay ${String(job.id)}.`,
      ),
    );
  } catch (postError) {
    deps.logger.error({ err: postError, job: job.id }, 'could not tell the user that their action failed');
  }
}
