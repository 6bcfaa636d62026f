import type { Card } from '../../core/card.js';
import type { ChatUser, ConversationRef, MessageRef, ReplyTo } from '../../core/chat.js';
import { NotFoundError } from '../../core/errors.js';
import type { ChatPlatform } from '../chat-platform.js';
import type { BotConnectorClient, OutboundActivity } from './client.js';
import { isChannel, splitConversationId } from './parse.js';
import type { ConversationReferences } from './references.js';
import { cardActivity } from './render.js';

interface Place {
  serviceUrl: string;
  conversationId: string;
  channel: boolean;
  personal: boolean;
}

/**
 * Teams through the Bot Connector API. Conversations are reached with the reference stored
 * when the bot last heard from them, so any worker can post, and so can the console.
 *
 * Threads: in a channel a thread is addressed as `{channel id};messageid={root id}`; chats have
 * no threads, so a "thread" there is a reply to the root activity.
 *
 * postEphemeral: Teams has no ephemeral messages. The fallback is a message in the same place
 * (the thread when there is one) that @mentions the person, so it reaches them and notifies
 * them; in a 1:1 chat with the bot it is simply a message, since only that person sees it.
 */
export class TeamsPlatform implements ChatPlatform {
  readonly name = 'teams' as const;

  constructor(
    private readonly connector: BotConnectorClient,
    private readonly references: ConversationReferences,
  ) {}

  async post(target: ConversationRef, card: Card): Promise<MessageRef> {
    const place = await this.place(target);
    const { id } = await this.send(place, target.thread, cardActivity(card));
    return {
      platform: 'teams',
      workspace: target.workspace,
      conversation: place.conversationId,
      id,
      thread: target.thread,
      serviceUrl: place.serviceUrl,
    };
  }

  async update(message: MessageRef, card: Card): Promise<void> {
    const place = await this.place(message);
    // Update a message through the conversation id it was posted to.
    const conversationId =
      message.thread && place.channel
        ? `${place.conversationId};messageid=${message.thread}`
        : place.conversationId;
    await this.connector.updateActivity(place.serviceUrl, conversationId, message.id, cardActivity(card));
  }

  async postEphemeral(target: ReplyTo, card: Card): Promise<void> {
    const place = await this.place(target);
    await this.send(place, target.thread, cardActivity(card, place.personal ? undefined : target.user));
  }

  /**
   * The immediate answer to a message typed to the bot: a reply to that activity, addressed
   * to the asker when it is only meant for them.
   */
  async replyTo(
    incoming: { serviceUrl: string; conversationId: string; activityId: string },
    card: Card,
    addressee?: ChatUser,
  ): Promise<void> {
    const place = await this.place({
      conversation: incoming.conversationId,
      serviceUrl: incoming.serviceUrl,
    });
    await this.connector.replyToActivity(
      place.serviceUrl,
      incoming.conversationId,
      incoming.activityId,
      cardActivity(card, place.personal ? undefined : addressee),
    );
  }

  private send(place: Place, thread: string | undefined, activity: OutboundActivity) {
    if (!thread) return this.connector.sendToConversation(place.serviceUrl, place.conversationId, activity);
    if (place.channel) {
      return this.connector.sendToConversation(
        place.serviceUrl,
        `${place.conversationId};messageid=${thread}`,
        activity,
      );
    }
    return this.connector.replyToActivity(place.serviceUrl, place.conversationId, thread, activity);
  }

  private async place(ref: { conversation: string; serviceUrl?: string }): Promise<Place> {
    const { conversation } = splitConversationId(ref.conversation);
    const stored = await this.references.get(conversation);
    // The stored reference is refreshed by every activity; Teams does move service URLs.
    const serviceUrl = stored?.serviceUrl ?? ref.serviceUrl;
    if (!serviceUrl) {
      throw new NotFoundError(
        `Threadline has no Teams conversation reference for ${conversation}: add the bot to that chat or channel and mention it once`,
      );
    }
    const type = stored?.conversationType;
    return {
      serviceUrl,
      conversationId: conversation,
      channel: isChannel(conversation, type),
      personal: type ? type === 'personal' : conversation.startsWith('a:'),
    };
  }
}
