import { App, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { errorCard, pendingCard } from '../../../cards/result.js';
import type { Acknowledgement, ChatIngress, CommandRequest } from '../../core/chat.js';
import type { Logger } from '../../observability/logger.js';
import type { PlatformDependencies, PlatformModule } from '../chat-platform.js';
import { SlackApi } from './client.js';
import { slackLogger } from './logger.js';
import { ChannelPacer } from './pacing.js';
import { actionRequest, commandRequest, EventCallbackBody, mentionRequest } from './parse.js';
import { SlackPlatform } from './platform.js';
import { FastifySlackReceiver } from './receiver.js';
import { slashResponse } from './render.js';
import { ResponseUrls } from './response-urls.js';

/** Where Slack sends slash commands, interactions and events (one Request URL for all three). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** A slash command's answer must leave well inside Slack's 3 s; slower work answers through response_url. */
const COMMAND_BUDGET_MS = 2_500;
/** Socket Mode: how long startup waits for the first connection before carrying on and retrying. */
const SOCKET_START_WAIT_MS = 10_000;

type SlackConfig = NonNullable<PlatformDependencies['config']['platforms']['slack']>;

export function createSlackModule(deps: PlatformDependencies): PlatformModule {
  const config = deps.config.platforms.slack;
  if (!config?.enabled) throw new Error('platforms.slack is not enabled');
  if (!config.bot_token) throw new Error('platforms.slack.bot_token is required');
  const logger = deps.logger.child({ platform: 'slack' });
  const api = new SlackApi(
    deps.http,
    config.api_url,
    config.bot_token,
    deps.config.queue.request_timeout_ms,
    logger,
  );
  const responseUrls = new ResponseUrls(deps.redis, deps.prefix, [api.origin]);
  const pacer = new ChannelPacer(deps.redis, deps.prefix);
  return new SlackModule(config, new SlackPlatform(api, pacer, responseUrls, logger), responseUrls, logger);
}

class SlackModule implements PlatformModule {
  private bolt?: App;

  constructor(
    private readonly config: SlackConfig,
    readonly platform: SlackPlatform,
    private readonly responseUrls: ResponseUrls,
    private readonly logger: Logger,
  ) {}

  registerRoutes(server: FastifyInstance, router: ChatIngress): void {
    if (this.config.socket_mode) return;
    const secret = this.config.signing_secret;
    if (!secret) throw new Error('platforms.slack.signing_secret is required without socket_mode');
    const receiver = new FastifySlackReceiver({ signingSecret: () => [secret], logger: this.logger });
    this.bolt = this.buildApp(receiver, router);
    // Slack posts commands and interactions form-encoded; only this route accepts that.
    void server.register(async (scope) => {
      const form = 'application/x-www-form-urlencoded';
      if (scope.hasContentTypeParser(form)) scope.removeContentTypeParser(form);
      scope.addContentTypeParser(form, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.post(SLACK_EVENTS_PATH, (request, reply) => receiver.handle(request, reply));
    });
  }

  async start(router: ChatIngress): Promise<void> {
    if (!this.config.socket_mode) return;
    const appToken = this.config.app_token;
    if (!appToken) throw new Error('platforms.slack.app_token is required for socket_mode');
    const receiver = new SocketModeReceiver({
      appToken,
      logger: slackLogger(this.logger, 'bolt'),
      installerOptions: { clientOptions: { slackApiUrl: this.config.api_url } },
    });
    this.bolt = this.buildApp(receiver, router);
    const started = this.bolt.start();
    started.catch((error: unknown) => this.logger.error({ err: error }, 'Slack Socket Mode could not start'));
    const waited = await Promise.race([
      started.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), SOCKET_START_WAIT_MS).unref()),
    ]).catch(() => false);
    if (!waited)
      this.logger.warn('Slack Socket Mode is not connected yet; it keeps trying in the background');
  }

  async stop(): Promise<void> {
    if (this.config.socket_mode) await this.bolt?.stop();
  }

  private buildApp(receiver: Receiver, router: ChatIngress): App {
    const botToken = this.config.bot_token!;
    const app = new App({
      receiver,
      // One workspace, one bot token: no auth.test round trip per request.
      authorize: async () => ({ botToken }),
      ignoreSelf: false,
      convoStore: false,
      logger: slackLogger(this.logger, 'bolt'),
      clientOptions: { slackApiUrl: this.config.api_url },
    });
    app.error(async (error) => {
      this.logger.error({ err: error }, 'Slack listener failed');
    });

    app.command(/.*/, async ({ command, ack }) => {
      let request: CommandRequest;
      try {
        request = commandRequest(command);
      } catch (error) {
        // Socket Mode payloads reach here unchecked; over HTTP the receiver has refused them already.
        this.logger.warn({ err: error }, 'malformed Slack slash command');
        await ack(slashResponse(errorCard('Threadline could not read this command.'), 'ephemeral'));
        return;
      }
      const remembered = this.rememberResponseUrl(request);
      const outcome = await withDeadline(router.handleCommand(request), COMMAND_BUDGET_MS);
      if (outcome.kind === 'done') {
        await ack(slashResponse(outcome.value.card, outcome.value.visibility));
      } else if (outcome.kind === 'failed') {
        this.logger.error({ err: outcome.error }, 'Slack command could not be handled');
        await ack(slashResponse(unavailableCard(), 'ephemeral'));
      } else {
        await ack(slashResponse(pendingCard('Still working on it; the answer follows here.'), 'ephemeral'));
        void outcome.pending
          .then(async (acknowledgement) => {
            await remembered;
            await this.deliver(request, acknowledgement);
          })
          .catch((error: unknown) => this.logger.error({ err: error }, 'late Slack command answer failed'));
      }
      await remembered;
    });

    app.action({ type: 'block_actions' }, async ({ ack, body }) => {
      // Acknowledge first: the button's work is queued and answered ephemerally.
      await ack();
      const request = actionRequest(body);
      await this.rememberResponseUrl(request);
      try {
        const acknowledgement = await router.handleAction(request);
        if (!acknowledgement.duplicate)
          await this.platform.postEphemeral(request.replyTo, acknowledgement.card);
      } catch (error) {
        this.logger.error({ err: error, action: request.actionId }, 'Slack button could not be handled');
        await this.platform
          .postEphemeral(request.replyTo, unavailableCard())
          .catch((postError: unknown) => this.logger.warn({ err: postError }, 'could not tell the user'));
      }
    });

    // Threadline opens no modals of its own yet; acknowledging closes whatever was submitted.
    app.view(/.*/, async ({ ack }) => {
      await ack();
    });

    app.event('app_mention', async ({ body }) => {
      const parsed = EventCallbackBody.safeParse(body);
      const request = parsed.success ? mentionRequest(parsed.data) : undefined;
      if (!request) return;
      const acknowledgement = await router.handleCommand(request);
      if (!acknowledgement.duplicate) await this.deliver(request, acknowledgement);
    });

    return app;
  }

  private async deliver(request: CommandRequest, acknowledgement: Acknowledgement): Promise<void> {
    if (acknowledgement.visibility === 'reply')
      await this.platform.post(request.replyTo, acknowledgement.card);
    else await this.platform.postEphemeral(request.replyTo, acknowledgement.card);
  }

  private rememberResponseUrl(request: { replyTo: { responseToken?: string } }): Promise<void> {
    return this.responseUrls
      .remember(request.replyTo.responseToken)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not record a Slack response_url'));
  }
}

function unavailableCard() {
  return errorCard(
    'Threadline could not take this request right now.',
    'Nothing was started. Try again in a minute; if it keeps failing, tell whoever runs Threadline.',
  );
}

type Deadline<T> =
  | { kind: 'done'; value: T }
  | { kind: 'failed'; error: unknown }
  | { kind: 'late'; pending: Promise<T> };

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<Deadline<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'late', pending: promise }), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'done', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'failed', error });
      },
    );
  });
}
