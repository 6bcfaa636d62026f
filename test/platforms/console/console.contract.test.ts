import { describe } from 'vitest';
import type { ConversationRef } from '../../../src/core/chat.js';
import { ConsolePlatform } from '../../../src/platforms/console/platform.js';
import {
  type ChatPlatformHarness,
  chatPlatformContract,
  type ShownButton,
} from '../chat-platform.contract.js';

/**
 * The console prints numbered frames: `[#3]` a new message, `[#4 ↳ in thread #3]` a reply,
 * `[#3 updated]` that message reprinted after an update, `[only you]` an ephemeral card. What
 * the terminal shows of a message is its latest frame. The terminal belongs to the one user
 * typing at it, so "only you" frames are private to that user and shown to nobody else.
 * The console has no inbound route, so the verify + parse cases do not run for it.
 */
interface Message {
  thread?: string;
  text: string;
}

function consoleHarness(): ChatPlatformHarness {
  const messages = new Map<string, Message>();
  const onlyYou: string[] = [];
  const platform = new ConsolePlatform((frame) => {
    const match = /^\[([^\]]+)\]\n([\s\S]*)\n$/.exec(frame);
    if (!match) throw new Error(`not a console frame: ${JSON.stringify(frame)}`);
    const [, label, text] = match as unknown as [string, string, string];
    if (label === 'only you') {
      onlyYou.push(text);
      return;
    }
    const updated = /^#(\d+) updated$/.exec(label);
    if (updated) {
      const message = messages.get(updated[1]!);
      if (!message) throw new Error(`update of #${updated[1]}, which was never printed`);
      message.text = text;
      return;
    }
    const posted = /^#(\d+)(?: ↳ in thread #(\d+))?$/.exec(label);
    if (!posted) throw new Error(`unknown console label [${label}]`);
    messages.set(posted[1]!, { thread: posted[2], text });
  });
  const conversation: ConversationRef = {
    platform: 'console',
    workspace: 'console',
    conversation: 'terminal',
  };
  const asker = { ...conversation, user: { platform: 'console' as const, id: 'alice', name: 'alice' } };
  return {
    platform,
    conversation,
    asker,
    shown: async (ref) => messages.get(ref.id)?.text,
    thread: async (parent) => [...messages.values()].filter((m) => m.thread === parent.id).map((m) => m.text),
    everyone: async () => [...messages.values()].map((m) => m.text),
    privateTo: async (user) => (user.id === asker.user.id ? [...onlyYou] : []),
    buttons: async (ref) => buttonsIn(messages.get(ref.id)?.text ?? ''),
  };
}

/** The console prints a card's buttons on one line as `[Label: action.id value]`. */
function buttonsIn(text: string): ShownButton[] {
  return [...text.matchAll(/\[([^:\]]+): (\S+?)(?: ([^\]]+))?\]/g)].map(([, label, action, value]) => ({
    label: label!,
    action: action!,
    value,
  }));
}

describe('ChatPlatform contract: console', () => {
  chatPlatformContract(consoleHarness);
});
