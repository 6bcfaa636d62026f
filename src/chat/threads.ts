import type { Card } from '../core/card.js';
import type { ConversationRef, MessageRef } from '../core/chat.js';
import type { RedisClient } from '../core/redis-client.js';
import type { PlatformRegistry } from './platform.js';

const PENDING = 'pending';

/**
 * One thread per subject (incident id, spec id, ticket key) per conversation. The parent
 * message is the subject's card, updated in place; everything else is a reply under it. The
 * map lives in Redis, so it survives restarts and is shared by every process.
 */
export class SubjectThreads {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly platforms: PlatformRegistry,
  ) {}

  /**
   * Posts `reply` into the subject's thread in this conversation, creating the thread with
   * `parent` first if there is none; when there is one, `parent` replaces the card everywhere
   * the subject is shown. With `copyOf`, the reply is kept as a copy of that subject's card, so
   * updateEverywhere(copyOf) replaces it as well.
   */
  async post(
    conversation: ConversationRef,
    subject: string,
    reply: Card,
    parent?: Card,
    copyOf?: string,
  ): Promise<MessageRef> {
    const platform = this.platforms.require(conversation.platform);
    // Spread: a ReplyTo keeps its token and answer channel, which a platform may answer through.
    const place: ConversationRef = { ...conversation, thread: undefined };
    let root = await this.parentOf(place, subject);
    if (parent) {
      // Every copy of the subject's card shows the same state, whichever conversation acted.
      await this.updateEverywhere(subject, parent);
      root ??= await this.createParent(place, subject, parent);
    }
    const posted = await platform.post(root ? { ...place, thread: root.thread ?? root.id } : place, reply);
    if (copyOf)
      await this.redis
        .multi()
        .sadd(this.copiesKey(copyOf), JSON.stringify(posted))
        .expire(this.copiesKey(copyOf), 90 * 86_400)
        .exec();
    return posted;
  }

  /**
   * Makes this conversation show the subject's card, as the parent of its thread there: posted
   * once (a second call finds it), and tracked with the other copies so every update reaches it.
   */
  async show(conversation: ConversationRef, subject: string, parent: Card): Promise<MessageRef> {
    const place: ConversationRef = { ...conversation, thread: undefined };
    return (await this.parentOf(place, subject)) ?? this.createParent(place, subject, parent);
  }

  /** Replaces the subject's card on every platform and conversation that shows it. */
  async updateEverywhere(subject: string, card: Card): Promise<number> {
    const refs = await this.redis.smembers(this.copiesKey(subject));
    await Promise.all(
      refs.map((raw) => {
        const ref = JSON.parse(raw) as MessageRef;
        return this.platforms.get(ref.platform)?.update(ref, card);
      }),
    );
    return refs.length;
  }

  /**
   * Posts `reply` into the subject's thread in every conversation that shows its card: a change
   * that came from outside chat (a pager's webhook) is told wherever people follow the subject.
   */
  async replyEverywhere(subject: string, reply: Card): Promise<number> {
    const refs = await this.redis.smembers(this.copiesKey(subject));
    await Promise.all(
      refs.map((raw) => {
        const ref = JSON.parse(raw) as MessageRef;
        const { id, thread, ...conversation } = ref;
        return this.platforms.get(ref.platform)?.post({ ...conversation, thread: thread ?? id }, reply);
      }),
    );
    return refs.length;
  }

  async parentOf(place: ConversationRef, subject: string): Promise<MessageRef | undefined> {
    const raw = await this.redis.get(this.parentKey(place, subject));
    return raw && raw !== PENDING ? (JSON.parse(raw) as MessageRef) : undefined;
  }

  private async createParent(place: ConversationRef, subject: string, parent: Card): Promise<MessageRef> {
    const key = this.parentKey(place, subject);
    // Two workers may open the same subject at once: one posts the parent, the other waits for it.
    const claimed = await this.redis.set(key, PENDING, 'PX', 15_000, 'NX');
    if (claimed !== 'OK') {
      for (let i = 0; i < 150; i++) {
        const ref = await this.parentOf(place, subject);
        if (ref) {
          await this.updateEverywhere(subject, parent);
          return ref;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    try {
      const ref = await this.platforms.require(place.platform).post(place, parent);
      await this.redis
        .multi()
        .set(key, JSON.stringify(ref), 'EX', 90 * 86_400)
        .sadd(this.copiesKey(subject), JSON.stringify(ref))
        .expire(this.copiesKey(subject), 90 * 86_400)
        .exec();
      return ref;
    } catch (error) {
      await this.redis.del(key);
      throw error;
    }
  }

  /*
   * Conversation ids are unique per platform, so the workspace is left out: commands (which know
   * it) and event notifications (which may not) then share one thread per subject.
   */
  private parentKey(place: ConversationRef, subject: string): string {
    return `${this.prefix}:thread:${place.platform}:${place.conversation}:${subject}`;
  }

  private copiesKey(subject: string): string {
    return `${this.prefix}:subject:${subject}:cards`;
  }
}
