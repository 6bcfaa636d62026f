import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { approvalCard } from '../../../cards/approval.js';
import { incidentCard } from '../../../cards/incident.js';
import { errorCard, resultCard } from '../../../cards/result.js';
import { COMMANDS } from '../../../commands/index.js';
import type { Card } from '../../../src/core/card.js';
import type { ReplyTo } from '../../../src/core/chat.js';
import { AuthError, NotFoundError, RateLimitedError } from '../../../src/core/errors.js';
import { HttpClient } from '../../../src/net/http-client.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { ChatPlatform, PlatformDependencies } from '../../../src/platforms/chat-platform.js';
import { createTeamsModule } from '../../../src/platforms/teams/module.js';
import { cardActionOf, commandText, InboundActivity } from '../../../src/platforms/teams/parse.js';
import { ConversationReferences } from '../../../src/platforms/teams/references.js';
import { cardActivity, renderTeamsCard, toastText } from '../../../src/platforms/teams/render.js';
import type { Incident } from '../../../src/workflows/incidents.js';
import { activityProblems, adaptiveCardProblems, FakeBotFramework } from '../../fakes/bot-framework.js';
import { capturingLogger } from '../../support/logs.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';
import { APP_ID, APP_PASSWORD, CHANNEL, TENANT, teamsConfig } from './support.js';

const GROUP_CHAT = '19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.v2';
const PERSONAL = 'a:1pDhNyJfdWq3n7Wz6VZbVc4C9F4QqS4o6XNp3rYdJ7UeZ0eFH7qG5nQxOyq8T2bMnXw1fR3JcKzAyLhBvE2tUi';
const MEGAN = { platform: 'teams' as const, id: '7faf80ad-3a1c-4b4e-9c1e-3f3f7a1b2c01', name: 'Megan Bowen' };

type Json = Record<string, unknown>;

function card(title: string, extra: Partial<Card> = {}): Card {
  return { title, severity: 'info', fields: [], links: [], actions: [], ...extra };
}

function titleOf(activity: Json | undefined): string {
  const attachments = activity?.attachments as Array<{ content: { body: Json[] } }>;
  return String(attachments[0]!.content.body[0]!.text);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const incident: Incident = {
  id: 'INC-7',
  title: '[checkout](http://evil.example) <at>everyone</at> 500s',
  service: 'payments',
  severity: 'critical',
  status: 'triggered',
  createdAt: '2026-11-22T10:00:00Z',
  createdBy: 'teams:7faf80ad',
  history: [{ at: '2026-11-22T10:00:00Z', by: 'teams:7faf80ad', action: 'triggered' }],
};

// What every platform promises (post, threads, update, the ephemeral fallback, buttons) is the
// shared contract in teams.contract.test.ts; these are the Bot Connector specifics.
describe('the Teams ChatPlatform against the Bot Connector API', () => {
  let fake: FakeBotFramework;
  let redis: Redis;
  let http: HttpClient;
  let prefix: string;
  let deps: PlatformDependencies;
  let platform: ChatPlatform;
  let references: ConversationReferences;

  beforeAll(async () => {
    fake = await FakeBotFramework.start({ appId: APP_ID, appPassword: APP_PASSWORD });
    prefix = uniquePrefix('teams-platform');
    redis = testRedis();
    http = new HttpClient({ allowPrivateNetworks: true });
    const loaded = teamsConfig(prefix, fake);
    deps = {
      config: loaded.config,
      commands: COMMANDS,
      logger: capturingLogger(loaded).logger,
      http,
      redis,
      prefix,
      metrics: new Metrics({ defaultMetrics: false }),
    };
    platform = createTeamsModule(deps).platform;
    references = new ConversationReferences(redis, prefix);
    await references.remember({
      serviceUrl: fake.serviceUrl,
      conversationId: CHANNEL,
      tenantId: TENANT,
      conversationType: 'channel',
    });
    await references.remember({
      serviceUrl: fake.serviceUrl,
      conversationId: GROUP_CHAT,
      tenantId: TENANT,
      conversationType: 'groupChat',
    });
    await references.remember({
      serviceUrl: fake.serviceUrl,
      conversationId: PERSONAL,
      tenantId: TENANT,
      conversationType: 'personal',
    });
  });
  afterEach(() => {
    fake.calls.length = 0;
    fake.attempts.length = 0;
  });
  afterAll(async () => {
    await fake.close();
    await http.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  const channel = { platform: 'teams' as const, workspace: TENANT, conversation: CHANNEL };

  it('keeps the service URL in the MessageRef, and updates with a PUT of that activity id', async () => {
    const ref = await platform.post(channel, card('first'));
    expect(ref).toEqual({
      platform: 'teams',
      workspace: TENANT,
      conversation: CHANNEL,
      id: expect.stringMatching(/^\d+$/),
      thread: undefined,
      serviceUrl: fake.serviceUrl,
    });
    expect(fake.sent('send', CHANNEL)).toHaveLength(1);

    await platform.update(ref, card('second'));
    expect(fake.sent('update')[0]).toMatchObject({
      method: 'PUT',
      conversationId: CHANNEL,
      activityId: ref.id,
    });
    expect(fake.messages.get(ref.id)?.activity.id).toBe(ref.id);
    expect(fake.rejected).toEqual([]);
  });

  it('threads in a channel by `{channel};messageid={root}`, and in a chat by replying to the root', async () => {
    const root = await platform.post(channel, card('root'));
    const reply = await platform.post({ ...channel, thread: root.id }, card('in thread'));
    expect(reply.thread).toBe(root.id);
    expect(fake.sent('send', `${CHANNEL};messageid=${root.id}`)).toHaveLength(1);
    await platform.update(reply, card('in thread, edited'));
    expect(fake.sent('update')[0]?.conversationId).toBe(`${CHANNEL};messageid=${root.id}`);

    const chat = { ...channel, conversation: GROUP_CHAT };
    const chatRoot = await platform.post(chat, card('chat root'));
    await platform.post({ ...chat, thread: chatRoot.id }, card('chat reply'));
    expect(fake.sent('reply', GROUP_CHAT)[0]).toMatchObject({ activityId: chatRoot.id });
    expect(fake.sent('reply', GROUP_CHAT)[0]?.activity.replyToId).toBe(chatRoot.id);
  });

  it('addresses the postEphemeral fallback with a Bot Framework mention entity, and needs none in a 1:1 chat', async () => {
    const replyTo: ReplyTo = { ...channel, thread: '1763806507437', user: MEGAN };
    await platform.postEphemeral(replyTo, card('only for Megan'));
    const sent = fake.sent('send', `${CHANNEL};messageid=1763806507437`)[0];
    expect(titleOf(sent?.activity)).toBe('only for Megan');
    expect(sent?.activity.text).toBe('<at>Megan Bowen</at>');
    expect(sent?.activity.entities).toEqual([
      { type: 'mention', text: '<at>Megan Bowen</at>', mentioned: { id: MEGAN.id, name: 'Megan Bowen' } },
    ]);

    // In a 1:1 chat with the bot the message is already private: no mention.
    await platform.postEphemeral({ ...replyTo, conversation: PERSONAL, thread: undefined }, card('just you'));
    const personal = fake.sent('send', PERSONAL)[0];
    expect(titleOf(personal?.activity)).toBe('just you');
    expect(personal?.activity.text).toBeUndefined();
    expect(fake.rejected).toEqual([]);
  });

  it('uses the service URL of the request when the conversation has no stored reference yet', async () => {
    const unknown = { ...channel, conversation: '19:never-heard-from@thread.tacv2' };
    const error = await rejection(platform.post(unknown, card('nowhere')));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toContain('add the bot to that chat or channel');
    const ref = await platform.post({ ...unknown, serviceUrl: fake.serviceUrl }, card('somewhere'));
    expect(fake.messages.get(ref.id)?.conversationId).toBe(unknown.conversation);
  });

  it('authenticates with a client-credentials token and reuses it', async () => {
    const before = fake.tokenRequests.length;
    await platform.post(channel, card('a'));
    await platform.post(channel, card('b'));
    expect(fake.tokenRequests.length - before).toBeLessThanOrEqual(1);
    const request = fake.tokenRequests.at(-1)!;
    expect(request.path).toBe('/botframework.com/oauth2/v2.0/token');
    expect(request.form).toMatchObject({
      grant_type: 'client_credentials',
      client_id: APP_ID,
      scope: 'https://api.botframework.com/.default',
    });
    for (const call of fake.calls) expect(call.authorization).toMatch(/^Bearer fake-access-/);
  });

  it('waits out a short Retry-After, and hands a long one back as RateLimitedError', async () => {
    fake.reply({ status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await platform.post(channel, card('after a second'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.attempts).toHaveLength(2);

    fake.attempts.length = 0;
    fake.reply({ status: 429, headers: { 'retry-after': '120' } });
    const limited = await rejection(platform.post(channel, card('later')));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(120_000);
    expect(fake.attempts).toHaveLength(1);
  });

  it('maps connector errors: 404 → NotFoundError, 403 and a refused token → AuthError', async () => {
    const missing = await rejection(
      platform.update({ ...channel, id: '999', serviceUrl: fake.serviceUrl }, card('gone')),
    );
    expect(missing).toBeInstanceOf(NotFoundError);

    fake.reply({
      status: 403,
      body: {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      },
    });
    const forbidden = await rejection(platform.post(channel, card('x')));
    expect(forbidden).toBeInstanceOf(AuthError);
    expect(forbidden.message).toContain('BotNotInConversationRoster');

    // A 401 is retried once with a fresh token; a second one is an AuthError.
    const tokensBefore = fake.tokenRequests.length;
    fake.reply({ status: 401 }, { status: 401 });
    expect(await rejection(platform.post(channel, card('y')))).toBeInstanceOf(AuthError);
    expect(fake.tokenRequests.length).toBe(tokensBefore + 1);
  });

  it('reports a wrong app password as AuthError without showing it', async () => {
    const loaded = teamsConfig(prefix, fake, { appPassword: 'not-the-password-123' });
    const wrong = createTeamsModule({ ...deps, config: loaded.config }).platform;
    const error = await rejection(wrong.post(channel, card('z')));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('invalid_client');
    expect(error.message).not.toContain('not-the-password-123');
  });
});

describe('Teams rendering', () => {
  it('renders the incident card as a valid Adaptive Card 1.5 with Action.Execute buttons', () => {
    const { content } = renderTeamsCard(incidentCard(incident));
    expect(adaptiveCardProblems(content as unknown as Json)).toEqual([]);
    const actions = content.actions!;
    expect(actions.map((a) => a.type)).toEqual(['Action.Execute', 'Action.ShowCard', 'Action.Execute']);
    expect(actions[2]).toMatchObject({
      verb: 'incident.escalate',
      data: { value: 'INC-7' },
      style: 'destructive',
    });
  });

  it('asks for confirmation with a card that opens under the button', () => {
    const { content } = renderTeamsCard(incidentCard(incident));
    expect(content.actions![1]).toEqual({
      type: 'Action.ShowCard',
      title: 'Resolve',
      card: {
        type: 'AdaptiveCard',
        body: [
          { type: 'TextBlock', text: 'Resolve INC-7?', wrap: true, weight: 'Bolder' },
          { type: 'TextBlock', text: 'This closes the incident for everyone.', wrap: true },
        ],
        actions: [
          {
            type: 'Action.Execute',
            title: 'Resolve',
            verb: 'incident.resolve',
            data: { value: 'INC-7' },
            fallback: {
              type: 'Action.Submit',
              title: 'Resolve',
              data: { verb: 'incident.resolve', value: 'INC-7' },
            },
          },
        ],
      },
    });
  });

  it('never lets untrusted text become a link, a mention or markup', () => {
    const raw = JSON.stringify(renderTeamsCard(incidentCard(incident)).content);
    expect(raw).not.toContain('<at>');
    expect(raw).toContain('\\\\[checkout\\\\]\\\\(http://evil.example\\\\)');
  });

  it('keeps at most six actions, buttons before links, and every card shape valid', () => {
    const busy = card('busy', {
      actions: Array.from({ length: 5 }, (_, i) => ({
        id: `b.${i}`,
        label: `Button ${i}`,
        value: String(i),
      })),
      links: [
        { label: 'Runbook', url: 'https://wiki.example.com/runbook' },
        { label: 'Dashboard', url: 'https://grafana.example.com/d/1' },
      ],
    });
    const { content } = renderTeamsCard(busy);
    expect(content.actions?.map((a) => a.title)).toEqual([
      'Button 0',
      'Button 1',
      'Button 2',
      'Button 3',
      'Button 4',
      'Runbook',
    ]);
    const waiver = approvalCard({
      id: 'WVR-1',
      specId: 'FEAT-0001',
      reason: 'flaky e2e',
      status: 'pending',
      requestedBy: 'teams:7faf80ad',
      requestedAt: '2026-11-22T10:00:00Z',
      requiredApprovals: 2,
      approvals: [{ by: 'teams:2b9c', name: 'Bob', at: '2026-11-22T10:05:00Z' }],
    });
    for (const c of [busy, waiver, errorCard('nope', 'try again'), resultCard('ok', 'fine', 'success')]) {
      expect(adaptiveCardProblems(renderTeamsCard(c).content as unknown as Json)).toEqual([]);
      expect(activityProblems(cardActivity(c, MEGAN) as unknown as Json)).toEqual([]);
    }
  });

  it('turns a card into one line of plain text for the invoke toast', () => {
    expect(toastText(errorCard('You are not allowed.', 'Ask an admin.'))).toBe(
      '⚠️ That did not work — You are not allowed. Ask an admin.',
    );
  });
});

describe('Teams parsing', () => {
  const base = {
    type: 'message',
    id: '1',
    serviceUrl: 'https://smba.trafficmanager.net/amer/',
    conversation: { id: CHANNEL },
    recipient: { id: '28:bot', name: 'Threadline' },
  };

  it('strips the bot mention and the command word, keeping quoted arguments', () => {
    const typed = (text: string, entities: unknown[] = []) =>
      commandText(InboundActivity.parse({ ...base, text, entities }), 'ops');
    const mention = {
      type: 'mention',
      text: '<at>Threadline</at>',
      mentioned: { id: '28:bot', name: 'Threadline' },
    };
    expect(typed('<at>Threadline</at> ops page payments "checkout 500s"', [mention])).toBe(
      'page payments "checkout 500s"',
    );
    expect(typed('<at>Threadline</at>&nbsp;ops ticket create &quot;Fix it&quot;')).toBe(
      'ticket create "Fix it"',
    );
    expect(typed('/ops help')).toBe('help');
    expect(typed('opsy help')).toBe('opsy help');
    expect(typed('<p>ops status</p>')).toBe('status');
  });

  it('reads button presses from Action.Execute invokes and Action.Submit messages', () => {
    const invoke = InboundActivity.parse({
      ...base,
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: {
        action: { type: 'Action.Execute', verb: 'incident.ack', data: { value: 'INC-3' } },
        trigger: 'manual',
      },
    });
    expect(cardActionOf(invoke)).toEqual({ actionId: 'incident.ack', value: 'INC-3' });
    const submit = InboundActivity.parse({ ...base, value: { verb: 'waiver.approve', value: 'WVR-2' } });
    expect(cardActionOf(submit)).toEqual({ actionId: 'waiver.approve', value: 'WVR-2' });
    expect(cardActionOf(InboundActivity.parse({ ...base, text: 'hi' }))).toBeUndefined();
    const broken = InboundActivity.parse({ ...base, type: 'invoke', name: 'adaptiveCard/action', value: {} });
    expect(cardActionOf(broken)).toEqual({ problem: 'the card action carries no verb' });
  });
});
