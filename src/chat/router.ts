import type { JobsOptions, Queue } from 'bullmq';
import { errorCard, pendingCard } from '../../cards/result.js';
import type { AnyCommand, CommandContext } from '../../commands/define.js';
import type { CommandServices } from '../../commands/services.js';
import type { AuditLog } from '../audit/audit-log.js';
import {
  type Acknowledgement,
  type ActionRequest,
  type ChatIngress,
  type CommandRequest,
  type ReplyTo,
  userKey,
} from '../core/chat.js';
import { UserFacingError } from '../core/errors.js';
import type { RedisClient } from '../core/redis-client.js';
import type { Logger } from '../observability/logger.js';
import { type ActionJobData, actionJobId } from './jobs.js';
import { resolveCommand, validate } from './parse.js';
import type { Rbac } from './rbac.js';

export interface ChatRouterOptions {
  commands: readonly AnyCommand[];
  services: CommandServices;
  rbac: Rbac;
  /** The action queue of the platform a request came from. */
  actions: (replyTo: ReplyTo) => Queue<ActionJobData>;
  /** Attempts, backoff and retention of action jobs (queue/job-options.ts). */
  actionJobOptions: JobsOptions;
  redis: RedisClient;
  prefix: string;
  audit: AuditLog;
  logger: Logger;
}

/**
 * Turns neutral chat requests into work: immediate commands run here, queued ones become
 * action jobs. Every request is checked for permission and deduplicated by its platform id.
 */
export class ChatRouter implements ChatIngress {
  /** Buttons on cards run the same commands, so permissions and effects are defined once. */
  private readonly buttons: ReadonlyMap<string, { command: AnyCommand; argument: string }>;

  constructor(private readonly options: ChatRouterOptions) {
    this.buttons = new Map(
      options.commands.flatMap((command) =>
        command.button ? [[command.button.actionId, { command, argument: command.button.argument }]] : [],
      ),
    );
  }

  async handleCommand(request: CommandRequest): Promise<Acknowledgement> {
    if (await this.seenBefore(request.replyTo, request.id)) {
      return {
        card: pendingCard('Already received; working on it.'),
        visibility: 'ephemeral',
        duplicate: true,
      };
    }
    const { commands, services } = this.options;
    const resolution = resolveCommand(request.text, commands);
    if (resolution.kind === 'unknown') {
      const help = commands.find((c) => c.name === 'help')!;
      const { card } = await help.run({} as never, this.context(request.replyTo, request.id));
      return {
        card: { ...card, title: `Unknown command "${resolution.word}"`, severity: 'warning' },
        visibility: 'ephemeral',
      };
    }
    if (resolution.kind === 'usage') {
      return {
        card: errorCard(
          `/${services.commandName} ${resolution.command.name}: ${resolution.problem}`,
          `Usage: /${services.commandName} ${resolution.command.usage}`,
        ),
        visibility: 'ephemeral',
      };
    }
    return this.dispatch(resolution.command, resolution.args, request.replyTo, request.id);
  }

  /** A button press: the card's value is untrusted, so it is validated like typed arguments. */
  async handleAction(request: ActionRequest): Promise<Acknowledgement> {
    if (await this.seenBefore(request.replyTo, request.id)) {
      return { card: pendingCard('Already received.'), visibility: 'ephemeral', duplicate: true };
    }
    const binding = this.buttons.get(request.actionId);
    if (!binding) {
      return {
        card: errorCard(`This button (${request.actionId}) is not one Threadline knows.`),
        visibility: 'ephemeral',
      };
    }
    const { command, argument } = binding;
    const args = validate(command.args, { [argument]: request.value });
    if (typeof args === 'string')
      return { card: errorCard(`This button carries an invalid value: ${args}`), visibility: 'ephemeral' };
    const replyTo: ReplyTo = {
      ...request.replyTo,
      thread: request.replyTo.thread ?? request.message?.thread ?? request.message?.id,
    };
    return this.dispatch(command, args, replyTo, request.id);
  }

  private async dispatch(
    command: AnyCommand,
    args: Record<string, unknown>,
    replyTo: ReplyTo,
    requestId: string,
  ): Promise<Acknowledgement> {
    const { rbac, services, audit, logger } = this.options;
    const actor = userKey(replyTo.user);
    if (!rbac.allows(replyTo.user, command.role)) {
      await audit.record({
        actor,
        action: `command.${command.name}`,
        target: `${replyTo.platform}:${replyTo.conversation}`,
        outcome: 'refused',
        detail: `needs role ${command.role}`,
      });
      logger.warn({ actor, command: command.name, role: command.role }, 'command refused: missing role');
      return {
        card: errorCard(
          `You are not allowed to run /${services.commandName} ${command.name}.`,
          `It needs the ${command.role} role; an admin can add you under rbac.roles.${command.role}.`,
        ),
        visibility: 'ephemeral',
      };
    }
    const idempotencyKey = `${replyTo.platform}.${requestId}`;
    if (command.mode === 'immediate') {
      try {
        const result = await command.run(args as never, this.context(replyTo, idempotencyKey));
        return { card: result.card, visibility: result.visibility === 'ephemeral' ? 'ephemeral' : 'reply' };
      } catch (error) {
        if (error instanceof UserFacingError)
          return { card: errorCard(error.message), visibility: 'ephemeral' };
        throw error;
      }
    }
    const data: ActionJobData = { command: command.name, args, replyTo, idempotencyKey, deferrals: 0 };
    const queue = this.options.actions(replyTo);
    const jobId = actionJobId(idempotencyKey);
    await queue.add(command.name, data, { ...this.options.actionJobOptions, jobId });
    await audit.record({
      actor,
      action: `command.${command.name}`,
      target: `${replyTo.platform}:${replyTo.conversation}`,
      outcome: 'ok',
      detail: 'queued',
      correlationId: idempotencyKey,
    });
    return {
      card: pendingCard(
        command.pending?.(args as never) ?? `Running /${services.commandName} ${command.name}…`,
      ),
      visibility: 'ephemeral',
      job: { queue: queue.name, id: jobId },
    };
  }

  context(replyTo: ReplyTo, idempotencyKey: string): CommandContext {
    return { invoker: replyTo.user, replyTo, idempotencyKey, services: this.options.services };
  }

  /** Platforms redeliver (Slack retries, Discord and Teams replays): a request id acts once. */
  private async seenBefore(replyTo: ReplyTo, requestId: string): Promise<boolean> {
    const key = `${this.options.prefix}:chat:seen:${replyTo.platform}:${requestId}`;
    return (await this.options.redis.set(key, '1', 'EX', 86_400, 'NX')) !== 'OK';
  }
}
