import type { REST } from '@discordjs/rest';
import {
  type APIDMChannel,
  type APIMessage,
  MessageFlags,
  RESTJSONErrorCodes,
  type RESTPatchAPIWebhookWithTokenMessageJSONBody,
  type RESTPostAPIChannelMessageJSONBody,
  type RESTPostAPIChannelMessagesThreadsJSONBody,
  type RESTPostAPICurrentUserCreateDMChannelJSONBody,
  type RESTPostAPIWebhookWithTokenJSONBody,
  ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';
import type { Card } from '../../core/card.js';
import type { ConversationRef, MessageRef, ReplyTo } from '../../core/chat.js';
import { AuthError, NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import { truncate } from '../../security/escape.js';
import type { ChatPlatform } from '../chat-platform.js';
import { discordCode, mapDiscordError } from './client.js';
import { renderDiscordCard } from './render.js';

/** The fields of a created message Threadline reads. */
type MessageJson = Pick<APIMessage, 'id' | 'channel_id'> & Partial<Pick<APIMessage, 'flags'>>;

/**
 * Discord through the bot token: channel messages, edits, and interaction follow-ups.
 *
 * Threads: a subject's replies go into a real Discord thread started from the parent message
 * (POST /channels/{channel}/messages/{message}/threads), not into message replies. A thread
 * started from a message has the same id as that message, so `thread` in a ConversationRef or
 * MessageRef is both the thread channel's id and the parent message's id: posting into a thread
 * is a POST to /channels/{thread}/messages, and the thread is created on first use. A message
 * posted into a thread keeps `conversation` = the parent channel and `thread` = the thread, and
 * is edited through the thread channel.
 *
 * Results of an interaction: when `post` gets the ReplyTo of an interaction whose token is still
 * live, and the message belongs in the interaction's own channel (`responseChannel`), the card is
 * a public follow-up (POST /webhooks/{app}/{token}) instead of a bot message. Discord does not
 * count interaction webhooks against the bot's 50 requests/s, and they go through a REST of their
 * own (`webhooks`) that holds no bot token. A follow-up cannot be aimed at a thread (Discord does
 * not support `thread_id` for them), so starting a thread, posting into a thread the interaction
 * did not come from, notifications, and anything after the token's lifetime stay on the bot's
 * REST. The result is the same channel message either way: threads start from it, and the bot
 * edits it later through the channel.
 *
 * Ephemeral messages exist only as interaction responses. With an interaction token
 * (`replyTo.responseToken`, valid 15 minutes) the card is a follow-up with the Ephemeral flag;
 * without one, or once the token has expired, it goes to the user as a direct message, which is
 * still seen by that user only. Nothing meant for one person is ever posted to the channel.
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord' as const;
  /**
   * Threads this process has started or posted into. For any other thread the start call comes
   * first (160004 means it exists), instead of a post that fails with 10003: one REST call less
   * per new subject, which matters under the bot's 50 requests/s.
   */
  private readonly knownThreads = new Set<string>();

  constructor(
    private readonly rest: REST,
    private readonly webhooks: REST,
    private readonly applicationId: string,
    private readonly logger: Logger,
  ) {}

  async post(target: ConversationRef | ReplyTo, card: Card): Promise<MessageRef> {
    const body = renderDiscordCard(card);
    const channel = target.thread ?? target.conversation;
    const what = target.thread
      ? `posting to thread ${target.thread} in channel ${target.conversation}`
      : `posting to channel ${target.conversation}`;
    const token = interactionTokenFor(target, channel);
    const followed = token ? await this.followUpInChannel(token, body, what) : undefined;
    const message = followed ?? (await this.postAsBot(target, channel, body, card.title, what));
    if (target.thread) this.rememberThread(target.thread);
    return {
      platform: 'discord',
      workspace: target.workspace,
      conversation: target.conversation,
      id: message.id,
      thread: target.thread,
    };
  }

  async update(message: MessageRef, card: Card): Promise<void> {
    const channel = message.thread ?? message.conversation;
    try {
      await this.rest.patch(`/channels/${channel}/messages/${message.id}`, { body: renderDiscordCard(card) });
    } catch (error) {
      throw mapDiscordError(error, `updating message ${message.id} in channel ${channel}`);
    }
  }

  async postEphemeral(target: ReplyTo, card: Card): Promise<void> {
    const body = renderDiscordCard(card);
    if (target.responseToken && !expired(target)) {
      try {
        await this.followUp(target.responseToken, { ...body, flags: MessageFlags.Ephemeral });
        return;
      } catch (error) {
        const mapped = mapDiscordError(error, `an ephemeral reply to ${target.user.id}`);
        if (!(mapped instanceof NotFoundError)) throw mapped;
        this.logger.info(
          { user: target.user.id },
          'Discord interaction token expired; sending the ephemeral reply as a direct message',
        );
      }
    }
    await this.directMessage(target.user.id, body);
  }

  /** An interaction follow-up message (the interaction's webhook; needs no bot token). */
  async followUp(token: string, body: RESTPostAPIWebhookWithTokenJSONBody): Promise<MessageJson> {
    return (await this.webhooks.post(`/webhooks/${this.applicationId}/${token}`, {
      body,
      auth: false,
    })) as MessageJson;
  }

  /** Replaces the interaction's first response (after a deferred "thinking…" answer). */
  async editOriginal(token: string, body: RESTPatchAPIWebhookWithTokenMessageJSONBody): Promise<void> {
    try {
      await this.webhooks.patch(`/webhooks/${this.applicationId}/${token}/messages/@original`, {
        body,
        auth: false,
      });
    } catch (error) {
      throw mapDiscordError(error, 'editing the interaction response');
    }
  }

  /**
   * A public follow-up in the interaction's channel, or undefined when the bot has to post
   * instead: Discord no longer takes the token (expired, or not answered yet), or it made the
   * follow-up the edit of a deferred ephemeral "thinking…" answer (the first follow-up after a
   * type 5 does that), which only the asker sees and no thread can start from.
   */
  private async followUpInChannel(
    token: string,
    body: RESTPostAPIWebhookWithTokenJSONBody,
    what: string,
  ): Promise<MessageJson | undefined> {
    let message: MessageJson;
    try {
      message = await this.followUp(token, body);
    } catch (error) {
      const mapped = mapDiscordError(error, what);
      if (!(mapped instanceof NotFoundError || mapped instanceof AuthError)) throw mapped;
      this.logger.info(
        { err: mapped },
        'Discord did not take the interaction token; the bot posts the result',
      );
      return undefined;
    }
    if (((message.flags ?? 0) & MessageFlags.Ephemeral) === 0) return message;
    this.logger.info(
      { message: message.id },
      'Discord made the follow-up the deferred ephemeral answer; the bot posts the result',
    );
    return undefined;
  }

  private async postAsBot(
    target: ConversationRef,
    channel: string,
    body: RESTPostAPIChannelMessageJSONBody,
    title: string,
    what: string,
  ): Promise<MessageJson> {
    if (target.thread && !this.knownThreads.has(target.thread)) {
      await this.startThread(target.conversation, target.thread, title);
      this.rememberThread(target.thread);
    }
    try {
      return await this.createMessage(channel, body);
    } catch (error) {
      if (!target.thread || discordCode(error) !== RESTJSONErrorCodes.UnknownChannel)
        throw mapDiscordError(error, what);
      await this.startThread(target.conversation, target.thread, title);
      try {
        return await this.createMessage(target.thread, body);
      } catch (retryError) {
        throw mapDiscordError(retryError, what);
      }
    }
  }

  private rememberThread(thread: string): void {
    if (this.knownThreads.size >= 10_000) this.knownThreads.clear();
    this.knownThreads.add(thread);
  }

  private async createMessage(
    channel: string,
    body: RESTPostAPIChannelMessageJSONBody,
  ): Promise<MessageJson> {
    return (await this.rest.post(`/channels/${channel}/messages`, { body })) as MessageJson;
  }

  private async startThread(channel: string, message: string, title: string): Promise<void> {
    try {
      const body: RESTPostAPIChannelMessagesThreadsJSONBody = {
        name: threadName(title),
        // A subject's thread stays open a day without activity.
        auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
      };
      await this.rest.post(`/channels/${channel}/messages/${message}/threads`, { body });
    } catch (error) {
      // Another worker started it a moment ago: that thread is the one we want.
      if (discordCode(error) === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) return;
      throw mapDiscordError(error, `starting a thread on message ${message} in channel ${channel}`);
    }
  }

  private async directMessage(userId: string, body: RESTPostAPIChannelMessageJSONBody): Promise<void> {
    try {
      const request: RESTPostAPICurrentUserCreateDMChannelJSONBody = { recipient_id: userId };
      const dm = (await this.rest.post('/users/@me/channels', { body: request })) as Pick<APIDMChannel, 'id'>;
      await this.createMessage(dm.id, body);
    } catch (error) {
      throw mapDiscordError(error, `a direct message to user ${userId}`);
    }
  }
}

function expired(target: ReplyTo, now = Date.now()): boolean {
  return target.responseTokenExpiresAt !== undefined && target.responseTokenExpiresAt <= now;
}

/**
 * The interaction token to post into `channel` with: only a ReplyTo's, only while it is live (an
 * unknown lifetime counts as spent), and only for the interaction's own channel, since a
 * follow-up lands there whatever the target says.
 */
function interactionTokenFor(target: ConversationRef | ReplyTo, channel: string): string | undefined {
  if (!('responseToken' in target) || !target.responseToken) return undefined;
  if (target.responseChannel !== channel || target.responseTokenExpiresAt === undefined) return undefined;
  return expired(target) ? undefined : target.responseToken;
}

/** Thread names are plain text of 1-100 characters. */
function threadName(title: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const plain = title.replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ').trim();
  return truncate(plain || 'Threadline', 100);
}
