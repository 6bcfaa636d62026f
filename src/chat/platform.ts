import type { Card } from '../core/card.js';
import type { ConversationRef, MessageRef, PlatformName, ReplyTo } from '../core/chat.js';

/**
 * The seam between Threadline and one chat platform. Inbound verification and parsing live in
 * each platform's HTTP route; this is the outbound half that workers use.
 */
export interface ChatPlatform {
  readonly name: PlatformName;
  /** Posts a card into a conversation, or into `target.thread` when set. */
  post(target: ConversationRef, card: Card): Promise<MessageRef>;
  /** Replaces a posted card in place. */
  update(message: MessageRef, card: Card): Promise<void>;
  /**
   * Shows a card to one user only. Platforms without ephemeral messages use a documented
   * fallback (Teams: a direct reply in the conversation addressed to the user).
   */
  postEphemeral(target: ReplyTo, card: Card): Promise<void>;
}

export class PlatformRegistry {
  private readonly platforms = new Map<PlatformName, ChatPlatform>();

  register(platform: ChatPlatform): void {
    this.platforms.set(platform.name, platform);
  }

  get(name: PlatformName): ChatPlatform | undefined {
    return this.platforms.get(name);
  }

  require(name: PlatformName): ChatPlatform {
    const platform = this.platforms.get(name);
    if (!platform) throw new Error(`chat platform "${name}" is not enabled`);
    return platform;
  }

  names(): PlatformName[] {
    return [...this.platforms.keys()];
  }
}
