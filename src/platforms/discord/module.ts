import {
  type APIInteractionResponse,
  ButtonStyle,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
} from 'discord-api-types/v10';
import type { FastifyInstance } from 'fastify';
import { errorCard, resultCard } from '../../../cards/result.js';
import type { Acknowledgement, ChatIngress, MessageRef, ReplyTo } from '../../core/chat.js';
import type { CommandSpec } from '../../core/command.js';
import { sendError } from '../../http/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { PlatformDependencies, PlatformModule } from '../chat-platform.js';
import { closeDiscordRest, createDiscordRest, createDiscordWebhookRest } from './client.js';
import { INITIAL_RESPONSE_BUDGET_MS } from './limits.js';
import {
  commandText,
  findButton,
  type InteractionJson,
  messageOf,
  parseInteraction,
  replyToOf,
  splitCustomId,
} from './parse.js';
import { DiscordPlatform } from './platform.js';
import {
  ASK_PREFIX,
  CANCEL_ID,
  CONFIRMED_PREFIX,
  confirmationMessage,
  type DiscordCardMessage,
  renderDiscordCard,
} from './render.js';
import { InteractionVerifier } from './verify.js';

export const INTERACTIONS_PATH = '/discord/interactions';

const NO_MENTIONS = { parse: [] as [] };

/**
 * "Thinking…", privately. Discord reads only `flags` of a deferred answer; allowed_mentions
 * rides along so that every answer carries it.
 */
const DEFERRED_EPHEMERAL = {
  type: InteractionResponseType.DeferredChannelMessageWithSource,
  data: { flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS },
} as const;

/** Discord over HTTP interactions: the outbound platform and the POST /discord/interactions route. */
export function createDiscordModule(deps: PlatformDependencies): PlatformModule {
  const settings = deps.config.platforms.discord;
  if (!settings?.application_id || !settings.public_key) {
    throw new Error('platforms.discord needs application_id and public_key when enabled');
  }
  const rest = createDiscordRest({ apiUrl: settings.api_url, botToken: settings.bot_token, http: deps.http });
  const webhooks = createDiscordWebhookRest({ apiUrl: settings.api_url, http: deps.http });
  const platform = new DiscordPlatform(rest, webhooks, settings.application_id, deps.logger);
  const verifier = new InteractionVerifier(settings.public_key);
  return {
    platform,
    registerRoutes(server, router) {
      registerInteractionsRoute(server, {
        router,
        platform,
        verifier,
        logger: deps.logger,
        commandName: deps.config.platforms.command,
        commands: deps.commands,
      });
    },
    async stop() {
      closeDiscordRest(rest);
      closeDiscordRest(webhooks);
    },
  };
}

export interface InteractionsRouteOptions {
  router: ChatIngress;
  platform: DiscordPlatform;
  verifier: InteractionVerifier;
  logger: Logger;
  commandName: string;
  commands: readonly CommandSpec[];
  /** How long the router may take before the answer is deferred (Discord allows 3 s). */
  budgetMs?: number;
}

/**
 * POST /discord/interactions: verify the Ed25519 signature over the raw bytes, answer PING,
 * hand commands and button presses to the router, and answer inside Discord's 3 s. When the
 * router is slower than the budget the answer is deferred and sent later with the interaction
 * token. Nothing here waits on a connector: queued work runs in the action worker.
 */
export function registerInteractionsRoute(server: FastifyInstance, options: InteractionsRouteOptions): void {
  const { verifier, logger } = options;
  server.post(INTERACTIONS_PATH, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const refused = verifier.check(
      request.headers['x-signature-ed25519'],
      request.headers['x-signature-timestamp'],
      raw,
    );
    if (refused) {
      logger.warn({ reason: refused }, 'Discord interaction refused');
      return sendError(reply, 401, 'bad_signature', refused);
    }
    let interaction: InteractionJson | string;
    try {
      interaction = parseInteraction(JSON.parse(raw.toString('utf8')));
    } catch (error) {
      return sendError(reply, 400, 'bad_json', `the body is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof interaction === 'string') return sendError(reply, 400, 'bad_body', interaction);
    switch (interaction.type) {
      case InteractionType.Ping:
        return { type: InteractionResponseType.Pong } satisfies APIInteractionResponse;
      case InteractionType.ApplicationCommand:
        return answerCommand(interaction, options);
      case InteractionType.MessageComponent:
        return answerComponent(interaction, options);
      default:
        return sendError(
          reply,
          400,
          'unsupported',
          `interaction type ${interaction.type} is not used by Threadline`,
        );
    }
  });
}

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'late' };

function within<T>(work: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), ms);
  });
  const settled = work.then(
    (value): Outcome<T> => ({ kind: 'value', value }),
    (error: unknown): Outcome<T> => ({ kind: 'error', error }),
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

function messageData(ack: Acknowledgement): DiscordCardMessage {
  const body = renderDiscordCard(ack.card);
  return ack.visibility === 'ephemeral' ? { ...body, flags: MessageFlags.Ephemeral } : body;
}

function unavailable(what: string, error: unknown, logger: Logger): DiscordCardMessage {
  logger.error({ err: error }, `Discord ${what} could not be handled`);
  return {
    ...renderDiscordCard(
      errorCard(
        'Threadline could not take this request right now; nothing was started.',
        'Try again in a minute. If it keeps failing, an operator can check /readyz.',
      ),
    ),
    flags: MessageFlags.Ephemeral,
  };
}

async function answerCommand(
  interaction: InteractionJson,
  options: InteractionsRouteOptions,
): Promise<APIInteractionResponse> {
  const { router, platform, logger, commandName, commands } = options;
  if (interaction.data?.name !== commandName) {
    const card = errorCard(
      `Threadline answers /${commandName}, not /${interaction.data?.name ?? '?'}.`,
      'An admin can re-register the commands with: threadline commands register --platform discord',
    );
    return {
      type: InteractionResponseType.ChannelMessageWithSource,
      data: { ...renderDiscordCard(card), flags: MessageFlags.Ephemeral },
    };
  }
  const replyTo = replyToOf(interaction);
  const text = commandText(interaction.data.options, commands);
  logger.debug({ interaction: interaction.id, user: replyTo.user.id, text }, 'Discord command');
  const work = router.handleCommand({ id: interaction.id, text, replyTo });
  const outcome = await within(work, options.budgetMs ?? INITIAL_RESPONSE_BUDGET_MS);
  if (outcome.kind === 'value')
    return { type: InteractionResponseType.ChannelMessageWithSource, data: messageData(outcome.value) };
  if (outcome.kind === 'error')
    return {
      type: InteractionResponseType.ChannelMessageWithSource,
      data: unavailable('command', outcome.error, logger),
    };
  // Too slow for the 3 s window: "thinking…" now, the real answer through the token later.
  void work
    .then(
      (ack) => messageData(ack),
      (error: unknown) => unavailable('command', error, logger),
    )
    .then((body) => platform.editOriginal(interaction.token, body))
    .catch((error: unknown) => logger.warn({ err: error }, 'could not complete a deferred Discord answer'));
  return DEFERRED_EPHEMERAL;
}

async function answerComponent(
  interaction: InteractionJson,
  options: InteractionsRouteOptions,
): Promise<APIInteractionResponse> {
  const { router, logger } = options;
  const id = interaction.data?.custom_id ?? '';
  const replyTo = replyToOf(interaction);
  logger.debug({ interaction: interaction.id, user: replyTo.user.id, customId: id }, 'Discord button');

  if (id === CANCEL_ID) {
    return {
      type: InteractionResponseType.UpdateMessage,
      data: { ...renderDiscordCard(resultCard('Cancelled; nothing was changed.')), components: [] },
    };
  }
  if (id.startsWith(ASK_PREFIX)) return askFirst(interaction, id.slice(ASK_PREFIX.length), replyTo);

  if (id.startsWith(CONFIRMED_PREFIX)) {
    // `!<message id or ->:<action id>:<value>`: the question was ephemeral, the card is elsewhere.
    const body = id.slice(CONFIRMED_PREFIX.length);
    const colon = body.indexOf(':');
    const messageId = body.slice(0, colon);
    const { actionId, value } = splitCustomId(body.slice(colon + 1));
    const message: MessageRef | undefined = /^\d+$/.test(messageId)
      ? {
          platform: 'discord',
          workspace: replyTo.workspace,
          conversation: replyTo.conversation,
          id: messageId,
          thread: replyTo.thread,
        }
      : undefined;
    const work = router.handleAction({ id: interaction.id, actionId, value, replyTo, message });
    return answerAction(work, interaction, options, (ack) => ({
      type: InteractionResponseType.UpdateMessage,
      data: { ...renderDiscordCard(ack.card), components: [] },
    }));
  }

  const { actionId, value } = splitCustomId(id);
  const work = router.handleAction({
    id: interaction.id,
    actionId,
    value,
    replyTo,
    message: messageOf(interaction, replyTo),
  });
  return answerAction(work, interaction, options, (ack) =>
    // Accepted: the card itself changes when the worker is done, so nothing else is shown.
    !ack.duplicate && ack.card.severity === 'started'
      ? { type: InteractionResponseType.DeferredMessageUpdate }
      : {
          type: InteractionResponseType.ChannelMessageWithSource,
          data: { ...renderDiscordCard(ack.card), flags: MessageFlags.Ephemeral },
        },
  );
}

async function answerAction(
  work: Promise<Acknowledgement>,
  interaction: InteractionJson,
  options: InteractionsRouteOptions,
  respond: (ack: Acknowledgement) => APIInteractionResponse,
): Promise<APIInteractionResponse> {
  const { platform, logger } = options;
  const outcome = await within(work, options.budgetMs ?? INITIAL_RESPONSE_BUDGET_MS);
  if (outcome.kind === 'value') return respond(outcome.value);
  if (outcome.kind === 'error')
    return {
      type: InteractionResponseType.ChannelMessageWithSource,
      data: unavailable('button press', outcome.error, logger),
    };
  void work
    .then(
      (ack) =>
        ack.duplicate || ack.card.severity !== 'started'
          ? { ...renderDiscordCard(ack.card), flags: MessageFlags.Ephemeral }
          : undefined,
      (error: unknown) => unavailable('button press', error, logger),
    )
    .then((body) => (body ? platform.followUp(interaction.token, body) : undefined))
    .catch((error: unknown) => logger.warn({ err: error }, 'could not complete a deferred Discord answer'));
  return { type: InteractionResponseType.DeferredMessageUpdate };
}

/** Discord buttons have no confirmation dialog, so a confirmable action asks in an ephemeral message. */
function askFirst(interaction: InteractionJson, base: string, replyTo: ReplyTo): APIInteractionResponse {
  const { actionId, value } = splitCustomId(base);
  const pressed = findButton(interaction.message?.components, `${ASK_PREFIX}${base}`);
  const label = pressed?.label ?? actionId;
  const message = messageOf(interaction, replyTo);
  const style =
    pressed?.style === ButtonStyle.Primary || pressed?.style === ButtonStyle.Danger
      ? pressed.style
      : ButtonStyle.Danger;
  const confirmed = `${CONFIRMED_PREFIX}${message?.id ?? '-'}:${base}`;
  return {
    type: InteractionResponseType.ChannelMessageWithSource,
    data: {
      ...confirmationMessage(`${label} ${value}?`.replace(/\s+\?$/, '?'), label, confirmed, style),
      flags: MessageFlags.Ephemeral,
    },
  };
}
