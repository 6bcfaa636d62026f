import { expect, it } from 'vitest';
import type { ChatPlatform } from '../../../src/chat/platform.js';
import type { ChatUser, ConversationRef, MessageRef } from '../../../src/chat/types.js';
import type { Card } from '../../../src/core/card.js';

/**
 * What every ChatPlatform promises, as the console platform shows it: `post` returns a
 * MessageRef for the message it created (in a thread when asked), `update` changes that message
 * in place, and `postEphemeral` reaches the one user and nobody else. Platform-neutral, so the
 * other adapters can run it with a harness over their own fakes.
 */
export interface ChatPlatformHarness {
  platform: ChatPlatform;
  conversation: ConversationRef;
  user: ChatUser;
  /** What everyone in the conversation sees of a message, or undefined when there is no such message. */
  shown(ref: MessageRef): Promise<string | undefined>;
  /** Everything the conversation shows to everyone (top-level messages and thread replies). */
  everyone(): Promise<string[]>;
  /** What was shown privately to one user. */
  privateTo(user: ChatUser): Promise<string[]>;
}

function card(title: string, text?: string): Card {
  return { title, text, severity: 'info', fields: [], links: [], actions: [] };
}

export function chatPlatformContract(harness: () => ChatPlatformHarness): void {
  it('post returns a MessageRef of this platform for the message it created', async () => {
    const h = harness();
    const ref = await h.platform.post(h.conversation, card('Contract: first post'));
    expect(ref.platform).toBe(h.platform.name);
    expect(ref.workspace).toBe(h.conversation.workspace);
    expect(ref.conversation).toBe(h.conversation.conversation);
    expect(ref.id).not.toBe('');
    expect(await h.shown(ref)).toContain('Contract: first post');
  });

  it('post into a thread returns a ref in that thread', async () => {
    const h = harness();
    const parent = await h.platform.post(h.conversation, card('Contract: parent'));
    const reply = await h.platform.post({ ...h.conversation, thread: parent.id }, card('Contract: reply'));
    expect(reply.thread).toBe(parent.id);
    expect(reply.id).not.toBe(parent.id);
    expect(await h.shown(reply)).toContain('Contract: reply');
  });

  it('update changes that message in place', async () => {
    const h = harness();
    const ref = await h.platform.post(h.conversation, card('Contract: before'));
    const count = (await h.everyone()).length;
    await h.platform.update(ref, card('Contract: after'));
    const shown = await h.shown(ref);
    expect(shown).toContain('Contract: after');
    expect(shown).not.toContain('Contract: before');
    expect((await h.everyone()).length).toBe(count);
  });

  it('postEphemeral reaches only the user', async () => {
    const h = harness();
    await h.platform.postEphemeral({ ...h.conversation, user: h.user }, card('Contract: just for you'));
    expect((await h.privateTo(h.user)).join('\n')).toContain('Contract: just for you');
    expect((await h.everyone()).join('\n')).not.toContain('Contract: just for you');
    const someoneElse: ChatUser = { ...h.user, id: `${h.user.id}-other` };
    expect((await h.privateTo(someoneElse)).join('\n')).not.toContain('Contract: just for you');
  });
}
