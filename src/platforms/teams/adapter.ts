import {
  type Activity,
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import { errorCard } from '../../../cards/result.js';
import type { Acknowledgement, ChatIngress, ChatUser } from '../../core/chat.js';
import { errorMessage } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import type { Logger } from '../../observability/logger.js';
import {
  ADAPTIVE_CARD_ACTION_INVOKE,
  type CardAction,
  cardActionOf,
  cardMessageOf,
  commandText,
  InboundActivity,
  referenceOf,
  replyToOf,
  splitConversationId,
  userOf,
} from './parse.js';
import type { TeamsPlatform } from './platform.js';
import type { ConversationReferences } from './references.js';
import { type AdaptiveCardInvokeResponse, invokeError, invokeMessage, toastText } from './render.js';
import { PUBLIC_CLOUD, type TeamsSettings, tokenTenant } from './settings.js';

export const MESSAGES_PATH = '/api/messages';

type AuthenticateRequestResult = Awaited<
  ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>
>;

/**
 * botbuilder's own JWT verification of Bot Framework requests. Every endpoint is passed, so
 * botbuilder uses exactly these instead of its built-in public cloud (it treats any explicit
 * endpoint as "all parameters are intentional"). Without an app id, botbuilder accepts
 * unauthenticated requests, which the config allows only in development mode.
 */
export function createBotAuthentication(settings: TeamsSettings): ConfigurationBotFrameworkAuthentication {
  return new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: settings.appId ?? '',
    MicrosoftAppPassword: settings.appPassword ?? '',
    MicrosoftAppType: settings.appId && settings.tenantId ? 'SingleTenant' : 'MultiTenant',
    MicrosoftAppTenantId: settings.tenantId ?? '',
    ToBotFromChannelOpenIdMetadataUrl: settings.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: settings.tokenIssuer,
    ToBotFromEmulatorOpenIdMetadataUrl: PUBLIC_CLOUD.emulatorOpenIdMetadataUrl,
    ToChannelFromBotLoginUrl: `${settings.loginUrl}/${tokenTenant(settings)}`,
    ToChannelFromBotOAuthScope: settings.oauthScope,
    OAuthUrl: PUBLIC_CLOUD.oauthUrl,
    CallerId: PUBLIC_CLOUD.callerId,
    ValidateAuthority: true,
  });
}

/**
 * CloudAdapter, driven with an already authenticated request. `CloudAdapter.process` would
 * answer 500 (not 401) to a token with a known key id but a bad signature, because only
 * botframework-connector's AuthenticationError maps to 401 there, and it prints errors with
 * console.error; so the route authenticates first and then runs the turn through the adapter.
 */
export class TeamsAdapter extends CloudAdapter {
  run(
    auth: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity, logic);
  }
}

export interface TeamsIngressOptions {
  router: ChatIngress;
  platform: TeamsPlatform;
  references: ConversationReferences;
  settings: TeamsSettings;
  logger: Logger;
}

const UNAVAILABLE =
  'Threadline could not take that request right now; nothing was done. Try again in a minute.';

/** One turn: a message typed to the bot, a button press, or anything else (only remembered). */
export class TeamsIngress {
  constructor(private readonly options: TeamsIngressOptions) {}

  async turn(context: TurnContext, activity: InboundActivity): Promise<void> {
    const { references, logger } = this.options;
    await references
      .remember(referenceOf(activity))
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'could not store the Teams conversation reference'),
      );
    const user = userOf(activity);
    const action = cardActionOf(activity);
    if (activity.type === ActivityTypes.Invoke) {
      if (activity.name !== ADAPTIVE_CARD_ACTION_INVOKE) return;
      const body = await this.press(activity, user, action);
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
      return;
    }
    if (activity.type !== ActivityTypes.Message || !user || !activity.id) return;
    const ack = action ? await this.submitted(activity, user, action) : await this.command(activity, user);
    await this.answer(activity, user, ack);
  }

  /** `ops ticket create …` typed to the bot, with or without an @mention. */
  private async command(activity: InboundActivity, user: ChatUser): Promise<Acknowledgement> {
    const { router, settings, logger } = this.options;
    try {
      return await router.handleCommand({
        id: requestId(activity),
        text: commandText(activity, settings.commandName),
        replyTo: replyToOf(activity, user),
      });
    } catch (error) {
      logger.error({ err: error }, 'Teams command could not be handled');
      return { card: errorCard(UNAVAILABLE), visibility: 'ephemeral' };
    }
  }

  /** Action.Submit (clients without Universal Actions): a message whose value is the button's data. */
  private async submitted(
    activity: InboundActivity,
    user: ChatUser,
    action: CardAction,
  ): Promise<Acknowledgement> {
    if ('problem' in action)
      return { card: errorCard(`This button did not work: ${action.problem}.`), visibility: 'ephemeral' };
    try {
      return await this.options.router.handleAction({
        id: requestId(activity),
        actionId: action.actionId,
        value: action.value,
        replyTo: replyToOf(activity, user),
        message: cardMessageOf(activity),
      });
    } catch (error) {
      this.options.logger.error({ err: error }, 'Teams card action could not be handled');
      return { card: errorCard(UNAVAILABLE), visibility: 'ephemeral' };
    }
  }

  /**
   * Action.Execute: the answer goes back inside the invoke as a message (a toast for the
   * person who pressed). The card itself changes when the queued command has run: the worker
   * replaces it in place everywhere the subject is shown.
   */
  private async press(
    activity: InboundActivity,
    user: ChatUser | undefined,
    action: CardAction | undefined,
  ): Promise<AdaptiveCardInvokeResponse> {
    if (!user || !activity.id) return invokeError(400, 'the invoke has no sender or id');
    if (!action || 'problem' in action)
      return invokeMessage(`⚠️ This button did not work: ${action?.problem ?? 'no action'}.`);
    const { router, platform, logger } = this.options;
    try {
      const replyTo = replyToOf(activity, user);
      const message = cardMessageOf(activity);
      const ack = await router.handleAction({
        id: requestId(activity),
        actionId: action.actionId,
        value: action.value,
        replyTo,
        message,
      });
      if (ack.visibility === 'reply' && !ack.duplicate) {
        await platform.post({ ...replyTo, thread: replyTo.thread ?? message?.id }, ack.card);
      }
      return invokeMessage(toastText(ack.card));
    } catch (error) {
      logger.error({ err: error }, 'Teams card action could not be handled');
      return invokeError(500, UNAVAILABLE);
    }
  }

  private async answer(activity: InboundActivity, user: ChatUser, ack: Acknowledgement): Promise<void> {
    try {
      await this.options.platform.replyTo(
        {
          serviceUrl: activity.serviceUrl,
          conversationId: activity.conversation.id,
          activityId: activity.id!,
        },
        ack.card,
        ack.visibility === 'ephemeral' ? user : undefined,
      );
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not answer in Teams');
    }
  }
}

/**
 * Message ids are unique within a conversation, not across them, so the conversation is part
 * of the id the router deduplicates on; a replayed invoke has the same activity id.
 */
function requestId(activity: InboundActivity): string {
  return `${activity.id}@${splitConversationId(activity.conversation.id).conversation}`;
}

export function registerTeamsRoute(
  server: FastifyInstance,
  options: {
    adapter: TeamsAdapter;
    authentication: ConfigurationBotFrameworkAuthentication;
    ingress: TeamsIngress;
    logger: Logger;
  },
): void {
  const { adapter, authentication, ingress, logger } = options;
  server.post(MESSAGES_PATH, async (request, reply) => {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) return sendError(reply, 400, 'bad_body', 'a JSON activity is required');
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return sendError(reply, 400, 'bad_json', `the body is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = InboundActivity.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return sendError(
        reply,
        400,
        'bad_body',
        `not a Bot Framework activity: ${issue.path.join('.')} ${issue.message}`,
      );
    }
    const header = request.headers.authorization ?? '';
    let auth: AuthenticateRequestResult;
    try {
      auth = await authentication.authenticateRequest(json as Activity, header);
    } catch (error) {
      // Failing to fetch the OpenID keys is ours to fix, not the caller's.
      if ((error as { statusCode?: number }).statusCode === 500) {
        logger.error({ err: error }, 'Teams request could not be verified: Bot Framework keys unavailable');
        return sendError(reply, 503, 'unavailable', 'the Bot Framework signing keys could not be loaded');
      }
      logger.warn(
        { reason: errorMessage(error), ip: request.ip },
        'Teams request refused: not authenticated',
      );
      return sendError(reply, 401, 'unauthorized', 'a valid Bot Framework token is required');
    }
    const response = await adapter.run(auth, json as Activity, (context) =>
      ingress.turn(context, parsed.data),
    );
    reply.code(response?.status ?? 200);
    return response?.body === undefined ? reply.send() : reply.send(response.body);
  });
}
