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

/** How long a platform request id is remembered: longer than any platform redelivers. */
const SEEN_SECONDS = 86_400;

/** What a repeated request is told: nothing new was done. */
type Repeat = () => Acknowledgement;
const commandRepeat: Repeat = () => ({
  card: pendingCard('Already received; working on it.'),
  visibility: 'ephemeral',
  duplicate: true,
});
const actionRepeat: Repeat = () => ({
  card: pendingCard('Already received.'),
  visibility: 'ephemeral',
  duplicate: true,
});

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
    const { commands, services } = this.options;
    // Resolving the text touches no state, so a queued command can be marked seen and queued at once.
    const resolution = resolveCommand(request.text, commands);
    if (resolution.kind === 'command')
      return this.dispatch(resolution.command, resolution.args, request.replyTo, request.id, commandRepeat);
    if (await this.seenBefore(request.replyTo, request.id)) return commandRepeat();
    if (resolution.kind === 'unknown') {
      const help = commands.find((c) => c.name === 'help')!;
      const { card } = await help.run({} as never, this.context(request.replyTo, request.id));
      return {
        card: { ...card, title: `Unknown command "${resolution.word}"`, severity: 'warning' },
        visibility: 'ephemeral',
      };
    }
    return {
      card: errorCard(
        `/${services.commandName} ${resolution.command.name}: ${resolution.problem}`,
        `Usage: /${services.commandName} ${resolution.command.usage}`,
      ),
      visibility: 'ephemeral',
    };
  }

  /** A button press: the card's value is untrusted, so it is validated like typed arguments. */
  async handleAction(request: ActionRequest): Promise<Acknowledgement> {
    const binding = this.buttons.get(request.actionId);
    const args = binding ? validate(binding.command.args, { [binding.argument]: request.value }) : undefined;
    if (binding && args !== undefined && typeof args !== 'string') {
      const replyTo: ReplyTo = {
        ...request.replyTo,
        thread: request.replyTo.thread ?? request.message?.thread ?? request.message?.id,
      };
      return this.dispatch(binding.command, args, replyTo, request.id, actionRepeat);
    }
    if (await this.seenBefore(request.replyTo, request.id)) return actionRepeat();
    if (!binding) {
      return {
        card: errorCard(`This button (${request.actionId}) is not one Threadline knows.`),
        visibility: 'ephemeral',
      };
    }
    return { card: errorCard(`This button carries an invalid value: ${args}`), visibility: 'ephemeral' };
  }

  private async dispatch(
    command: AnyCommand,
    args: Record<string, unknown>,
    replyTo: ReplyTo,
    requestId: string,
    repeat: Repeat,
  ): Promise<Acknowledgement> {
    const { rbac, services, audit, logger } = this.options;
    const actor = userKey(replyTo.user);
    const allowed = rbac.allows(replyTo.user, command.role);
    if (allowed && command.mode === 'queued') return this.enqueue(command, args, replyTo, requestId, repeat);
    if (await this.seenBefore(replyTo, requestId)) return repeat();
    if (!allowed) {
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
    try {
      const result = await command.run(args as never, this.context(replyTo, idempotencyKey));
      return { card: result.card, visibility: result.visibility === 'ephemeral' ? 'ephemeral' : 'reply' };
    } catch (error) {
      if (error instanceof UserFacingError)
        return { card: errorCard(error.message), visibility: 'ephemeral' };
      throw error;
    }
  }

  /**
   * A queued command is acknowledged once its job is in Redis, after one round trip: the seen
   * mark and the job go out together. The job carries its own deduplication under the same id
   * for as long as the mark lives, so a repeat never queues a second job even though the add
   * does not wait for the mark. The audit entry follows the job and is not waited for.
   */
  private async enqueue(
    command: AnyCommand,
    args: Record<string, unknown>,
    replyTo: ReplyTo,
    requestId: string,
    repeat: Repeat,
  ): Promise<Acknowledgement> {
    const { services, audit, logger } = this.options;
    const idempotencyKey = `${replyTo.platform}.${requestId}`;
    const data: ActionJobData = { command: command.name, args, replyTo, idempotencyKey, deferrals: 0 };
    const queue = this.options.actions(replyTo);
    const jobId = actionJobId(idempotencyKey);
    const [seen, added] = await Promise.allSettled([
      this.seenBefore(replyTo, requestId),
      queue.add(command.name, data, {
        ...this.options.actionJobOptions,
        jobId,
        deduplication: { id: jobId, ttl: SEEN_SECONDS * 1_000 },
      }),
    ]);
    if (added.status === 'rejected') throw added.reason;
    if (seen.status === 'fulfilled' && seen.value) return repeat();
    if (seen.status === 'rejected')
      logger.warn(
        { err: seen.reason, job: jobId },
        'could not mark a chat request as seen; its job is queued',
      );
    const actor = userKey(replyTo.user);
    audit
      .record({
        actor,
        action: `command.${command.name}`,
        target: `${replyTo.platform}:${replyTo.conversation}`,
        outcome: 'ok',
        detail: 'queued',
        correlationId: idempotencyKey,
      })
      .catch((error: unknown) =>
        logger.error({ err: error, job: jobId }, 'could not audit a queued command; the command is queued'),
      );
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
    return (await this.options.redis.set(key, '1', 'EX', SEEN_SECONDS, 'NX')) !== 'OK';
  }
}
