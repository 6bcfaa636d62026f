import { request } from 'undici';
import { expect, it } from 'vitest';
import type { Card, CardAction } from '../../src/core/card.js';
import type { ChatUser, ConversationRef, MessageRef, ReplyTo } from '../../src/core/chat.js';
import type { ChatPlatform } from '../../src/platforms/chat-platform.js';

/**
 * What every ChatPlatform promises, checked the same way for console, Slack, Discord and Teams.
 * Each platform runs it with a harness over its own loopback fake, which says how the things
 * below are observed there; the suite itself is platform-neutral.
 *
 * - post returns a MessageRef of that platform for the message it created, and a post into a
 *   thread returns a ref in that thread, shown in that thread;
 * - update changes that message in place (top level or in a thread) without adding one;
 * - postEphemeral, or the platform's documented fallback, reaches the one user and is not shown
 *   as a normal public post. The harness says what "private" is: Slack ephemerals for that user,
 *   Discord follow-ups with flags 64 (or a DM), Teams a message that @mentions the user (Teams
 *   has no ephemeral messages), the console's "only you" frame;
 * - render: a card's actions show as buttons (Block Kit actions elements, Discord components,
 *   Adaptive Card actions, console `[Label: id value]`), and an update replaces them;
 * - verify + parse, for platforms with an inbound HTTP route: a correctly signed request is
 *   accepted and read as the command it carries, a tampered one is refused. These two cases are
 *   optional: they run only when the platform passes an `InboundRoute`. The console has no
 *   inbound route (its input is the terminal), so it runs every case but these.
 */
export interface ChatPlatformHarness {
  platform: ChatPlatform;
  /** A conversation of this test's own, so counts are not disturbed by other tests. */
  conversation: ConversationRef;
  /** A user in that conversation, with what the platform needs to answer them (Discord: an interaction token). */
  asker: ReplyTo;
  /** All text a message shows to everyone, or undefined when there is no such message. */
  shown(ref: MessageRef): Promise<string | undefined>;
  /** What the thread under `parent` shows, one entry per reply. */
  thread(parent: MessageRef): Promise<string[]>;
  /** Every normal public post in the conversation (top level and thread replies), one entry per message. */
  everyone(): Promise<string[]>;
  /** What was shown privately to one user in the conversation, however the platform does that. */
  privateTo(user: ChatUser): Promise<string[]>;
  /** The buttons a message shows, in order, read from what the platform renders. */
  buttons(ref: MessageRef): Promise<ShownButton[]>;
}

export interface ShownButton {
  label: string;
  /** The action id the platform hands back when the button is pressed. */
  action: string;
  value?: string;
}

/** One HTTP request as a platform would send it to Threadline. */
export interface InboundRequest {
  headers: Record<string, string>;
  body: string;
}

export interface InboundResponse {
  status: number;
  text: string;
}

/** A platform's inbound route on a running Threadline, and how that platform signs requests to it. */
export interface InboundRoute {
  url: string;
  /** The platform's request body for `asker` asking for `/ops help` in the asker's conversation. */
  helpRequest(asker: ReplyTo): string;
  /** The body with the headers that sign or authenticate it as the platform does. */
  signedRequest(body: string): InboundRequest;
  /** The body changed after it was signed, or authenticated with a key the route must not trust. */
  tamperedRequest(body: string): InboundRequest;
  /** What the asker was shown in answer to the request: in the HTTP answer or through the platform's API. */
  answer(body: string, response: InboundResponse): Promise<string>;
}

type Awaitable<T> = T | Promise<T>;

const HELP_TITLE = '/ops commands';

function card(title: string, actions: CardAction[] = []): Card {
  return { title, text: 'Contract body text', severity: 'info', fields: [], links: [], actions };
}

const ACK: CardAction = { id: 'incident.ack', label: 'Acknowledge', style: 'primary', value: 'INC-7' };
const NOTE: CardAction = { id: 'incident.note', label: 'Add note', value: 'INC-7' };
const ESCALATE: CardAction = { id: 'incident.escalate', label: 'Escalate', style: 'danger', value: 'INC-7' };

const shownAs = (action: CardAction): ShownButton => ({
  label: action.label,
  action: action.id,
  value: action.value,
});

async function send(url: string, sent: InboundRequest): Promise<InboundResponse> {
  const response = await request(url, { method: 'POST', headers: sent.headers, body: sent.body });
  return { status: response.statusCode, text: await response.body.text() };
}

/**
 * Registers the shared cases. `harness` gives each test a fresh harness; `inbound`, when the
 * platform has an inbound route, adds the verify + parse cases.
 */
export function chatPlatformContract(
  harness: () => Awaitable<ChatPlatformHarness>,
  inbound?: () => InboundRoute,
): void {
  it('post returns a MessageRef of this platform for the message it created', async () => {
    const h = await harness();
    const ref = await h.platform.post(h.conversation, card('Contract first post'));
    expect(ref.platform).toBe(h.platform.name);
    expect(ref.workspace).toBe(h.conversation.workspace);
    expect(ref.conversation).toBe(h.conversation.conversation);
    expect(ref.id).toMatch(/\S/);
    expect(ref.thread).toBeUndefined();
    expect(await h.shown(ref)).toContain('Contract first post');
    expect(await h.everyone()).toHaveLength(1);
  });

  it('post into a thread returns a ref in that thread', async () => {
    const h = await harness();
    const parent = await h.platform.post(h.conversation, card('Contract parent'));
    const reply = await h.platform.post({ ...h.conversation, thread: parent.id }, card('Contract reply'));
    expect(reply.platform).toBe(h.platform.name);
    expect(reply.conversation).toBe(h.conversation.conversation);
    expect(reply.thread).toBe(parent.id);
    expect(reply.id).not.toBe(parent.id);
    expect(await h.shown(reply)).toContain('Contract reply');
    expect((await h.thread(parent)).join('\n')).toContain('Contract reply');
    expect(await h.shown(parent)).not.toContain('Contract reply');
  });

  it('update changes that message in place', async () => {
    const h = await harness();
    const ref = await h.platform.post(h.conversation, card('Contract before'));
    const count = (await h.everyone()).length;
    await h.platform.update(ref, card('Contract after'));
    const shown = await h.shown(ref);
    expect(shown).toContain('Contract after');
    expect(shown).not.toContain('Contract before');
    expect((await h.everyone()).length).toBe(count);
  });

  it('update changes a reply in a thread in place', async () => {
    const h = await harness();
    const parent = await h.platform.post(h.conversation, card('Contract thread parent'));
    const reply = await h.platform.post(
      { ...h.conversation, thread: parent.id },
      card('Contract reply before'),
    );
    await h.platform.update(reply, card('Contract reply after'));
    expect(await h.shown(reply)).toContain('Contract reply after');
    const thread = await h.thread(parent);
    expect(thread).toHaveLength(1);
    expect(thread[0]).toContain('Contract reply after');
    expect(thread[0]).not.toContain('Contract reply before');
    expect(await h.shown(parent)).toContain('Contract thread parent');
  });

  it('postEphemeral (or its documented fallback) reaches the user and is not shown as a public post', async () => {
    const h = await harness();
    await h.platform.postEphemeral(h.asker, card('Contract just for you'));
    expect((await h.privateTo(h.asker.user)).join('\n')).toContain('Contract just for you');
    expect((await h.everyone()).join('\n')).not.toContain('Contract just for you');
    const someoneElse: ChatUser = { ...h.asker.user, id: `${h.asker.user.id}9`, name: 'someone else' };
    expect((await h.privateTo(someoneElse)).join('\n')).not.toContain('Contract just for you');
  });

  it('render: a card with actions shows its buttons', async () => {
    const h = await harness();
    const ref = await h.platform.post(h.conversation, card('Contract buttons', [ACK, NOTE, ESCALATE]));
    expect(await h.shown(ref)).toContain('Contract buttons');
    expect(await h.buttons(ref)).toEqual([ACK, NOTE, ESCALATE].map(shownAs));
  });

  it('render: an update shows the buttons of the new card, not the old ones', async () => {
    const h = await harness();
    const ref = await h.platform.post(h.conversation, card('Contract acked', [ACK, ESCALATE]));
    await h.platform.update(ref, card('Contract acked', [ESCALATE]));
    expect(await h.buttons(ref)).toEqual([shownAs(ESCALATE)]);
    await h.platform.update(ref, card('Contract resolved'));
    expect(await h.buttons(ref)).toEqual([]);
  });

  if (!inbound) return;

  it('verify + parse: a correctly signed request is accepted and read as the command it carries', async () => {
    const h = await harness();
    const route = inbound();
    const body = route.helpRequest(h.asker);
    const response = await send(route.url, route.signedRequest(body));
    expect(response.status).toBe(200);
    expect(await route.answer(body, response)).toContain(HELP_TITLE);
    // The answer to a command goes to whoever asked, not to the whole conversation.
    expect((await h.everyone()).join('\n')).not.toContain(HELP_TITLE);
  });

  it('verify: a tampered request is refused and not acted on', async () => {
    const h = await harness();
    const route = inbound();
    const body = route.helpRequest(h.asker);
    const response = await send(route.url, route.tamperedRequest(body));
    expect(response.status).toBe(401);
    expect(await route.answer(body, response)).not.toContain(HELP_TITLE);
    expect(await h.everyone()).toEqual([]);
    expect(await h.privateTo(h.asker.user)).toEqual([]);
  });
}
