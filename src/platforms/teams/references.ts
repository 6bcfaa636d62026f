import type { RedisClient } from '../../core/redis-client.js';

/** What we need to talk into a conversation later, without an inbound activity at hand. */
export interface TeamsConversationReference {
  serviceUrl: string;
  /** The conversation id without any `;messageid=` thread suffix. */
  conversationId: string;
  tenantId?: string;
  /** `personal`, `groupChat` or `channel`: decides how threads and mentions are sent. */
  conversationType?: string;
  botId?: string;
}

/** A year: references are refreshed by every activity, and a quiet channel still gets pages. */
const TTL_SECONDS = 365 * 86_400;

/**
 * Conversation references in Redis, refreshed whenever an activity arrives, so any worker can
 * post, update or address a user in a conversation the bot has heard from.
 */
export class ConversationReferences {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async remember(reference: TeamsConversationReference): Promise<void> {
    await this.redis.set(this.key(reference.conversationId), JSON.stringify(reference), 'EX', TTL_SECONDS);
  }

  async get(conversationId: string): Promise<TeamsConversationReference | undefined> {
    const raw = await this.redis.get(this.key(conversationId));
    return raw ? (JSON.parse(raw) as TeamsConversationReference) : undefined;
  }

  private key(conversationId: string): string {
    return `${this.prefix}:teams:conversation:${conversationId}`;
  }
}
