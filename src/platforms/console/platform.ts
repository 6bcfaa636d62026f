import type { Card } from '../../core/card.js';
import type { ConversationRef, MessageRef, ReplyTo } from '../../core/chat.js';
import type { ChatPlatform } from '../chat-platform.js';
import { renderConsoleCard } from './render.js';

/**
 * The terminal as a chat platform: the CLI twin of Slack, Teams and Discord. Messages are
 * numbered; updates reprint the card with its number, replies are indented under their thread.
 * Numbers must be unique wherever a message can be updated from (the threadline chat session
 * takes them from Redis); the default counter suits one process alone.
 */
export class ConsolePlatform implements ChatPlatform {
  readonly name = 'console' as const;

  constructor(
    private readonly write: (text: string) => void,
    private readonly nextNumber: () => Promise<number> = localCounter(),
  ) {}

  async post(target: ConversationRef, card: Card): Promise<MessageRef> {
    const id = String(await this.nextNumber());
    this.write(this.frame(`#${id}${target.thread ? ` ↳ in thread #${target.thread}` : ''}`, card));
    return {
      platform: 'console',
      workspace: target.workspace,
      conversation: target.conversation,
      id,
      thread: target.thread,
    };
  }

  async update(message: MessageRef, card: Card): Promise<void> {
    this.write(this.frame(`#${message.id} updated`, card));
  }

  async postEphemeral(_target: ReplyTo, card: Card): Promise<void> {
    this.write(this.frame('only you', card));
  }

  private frame(label: string, card: Card): string {
    return `[${label}]\n${renderConsoleCard(card)}\n`;
  }
}

function localCounter(): () => Promise<number> {
  let last = 0;
  return async () => ++last;
}
