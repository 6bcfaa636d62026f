import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import type { ConversationRef, MessageRef, ReplyTo } from '../../../src/core/chat.js';
import type { ChatPlatform } from '../../../src/platforms/chat-platform.js';
import { ConversationReferences } from '../../../src/platforms/teams/references.js';
import { FakeBotFramework } from '../../fakes/bot-framework.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';
import {
  type ChatPlatformHarness,
  chatPlatformContract,
  type InboundRoute,
  type ShownButton,
} from '../chat-platform.contract.js';
import { type Activity, APP_ID, APP_PASSWORD, activityFixture, TENANT, teamsConfig } from './support.js';

/*
 * The Teams platform of a running Threadline (ingress role) against a loopback Bot Framework.
 * What a conversation shows is the latest version of every activity the connector holds for
 * it; a channel thread is the conversation `{channel};messageid={root}`; buttons are the
 * Adaptive Card's actions (Action.Execute: title, verb, data.value).
 *
 * Teams has no ephemeral messages. Its documented fallback is a message in the conversation
 * that @mentions the user, so here "private to a user" is a message carrying a mention entity
 * for that user, and "a normal public post" is one addressed to nobody in particular.
 *
 * Inbound is POST /api/messages, authenticated by a JWT the channel signs (botbuilder checks it
 * against the fake's OpenID keys). That token covers the sender, not the body, so the tampered
 * request is one whose token is signed with a key the channel does not publish.
 */

type Json = Record<string, unknown>;

let fake: FakeBotFramework;
let app: TestApp;
let redis: Redis;
let prefix: string;
let platform: ChatPlatform;
let references: ConversationReferences;
let sequence = 1_763_806_700_000;

beforeAll(async () => {
  fake = await FakeBotFramework.start({ appId: APP_ID, appPassword: APP_PASSWORD });
  prefix = uniquePrefix('teams-contract');
  app = await startTestApp(teamsConfig(prefix, fake), 'ingress');
  platform = app.app.chat!.platforms.require('teams');
  redis = testRedis();
  references = new ConversationReferences(redis, prefix);
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
  redis?.disconnect();
  await dropPrefix(prefix);
});

/** All text an activity shows: its text (a mention), the card's TextBlocks and facts. */
function shownText(activity: Json | undefined): string {
  if (!activity) return '';
  const parts = [String(activity.text ?? '')];
  for (const attachment of (activity.attachments ?? []) as Array<{ content?: { body?: Json[] } }>) {
    for (const element of attachment.content?.body ?? []) {
      if (typeof element.text === 'string') parts.push(element.text);
      for (const fact of (element.facts ?? []) as Array<{ title: string; value: string }>)
        parts.push(`${fact.title}: ${fact.value}`);
    }
  }
  return parts.filter(Boolean).join('\n');
}

function mentioned(activity: Json): string[] {
  return ((activity.entities ?? []) as Json[])
    .filter((e) => e.type === 'mention')
    .map((e) => String((e.mentioned as Json | undefined)?.id));
}

/** Action.Execute buttons, and the Execute inside a confirm step (Action.ShowCard). */
function buttonsOf(activity: Json | undefined): ShownButton[] {
  const attachments = (activity?.attachments ?? []) as Array<{ content?: { actions?: Json[] } }>;
  return (attachments[0]?.content?.actions ?? [])
    .map((a) => (a.type === 'Action.ShowCard' ? ((a.card as Json).actions as Json[])[0]! : a))
    .filter((a) => a.type === 'Action.Execute')
    .map((a) => ({
      label: String(a.title),
      action: String(a.verb),
      value: (a.data as { value?: string }).value || undefined,
    }));
}

async function teamsHarness(): Promise<ChatPlatformHarness> {
  // A channel of this test's own, which the bot has been added to (its reference is stored).
  const channel = `19:contract${randomBytes(8).toString('hex')}@thread.tacv2`;
  await references.remember({
    serviceUrl: fake.serviceUrl,
    conversationId: channel,
    tenantId: TENANT,
    conversationType: 'channel',
  });
  const conversation: ConversationRef = { platform: 'teams', workspace: TENANT, conversation: channel };
  const asker: ReplyTo = {
    ...conversation,
    user: { platform: 'teams', id: randomUUID(), name: 'Megan Bowen' },
  };
  const held = () =>
    [...fake.messages.values()].filter(
      (m) => m.conversationId === channel || m.conversationId.startsWith(`${channel};messageid=`),
    );
  const activityOf = (ref: MessageRef) => {
    const message = fake.messages.get(ref.id);
    return message?.conversationId.startsWith(ref.conversation) ? message.activity : undefined;
  };
  return {
    platform,
    conversation,
    asker,
    shown: async (ref) => {
      const activity = activityOf(ref);
      return activity ? shownText(activity) : undefined;
    },
    thread: async (parent) =>
      held()
        .filter((m) => m.conversationId === `${parent.conversation};messageid=${parent.id}`)
        .map((m) => shownText(m.activity)),
    everyone: async () =>
      held()
        .filter((m) => mentioned(m.activity).length === 0)
        .map((m) => shownText(m.activity)),
    privateTo: async (user) =>
      held()
        .filter((m) => mentioned(m.activity).includes(user.id))
        .map((m) => shownText(m.activity)),
    buttons: async (ref) => buttonsOf(activityOf(ref)),
  };
}

const teamsRoute = (): InboundRoute => ({
  url: `${app.app.url}/api/messages`,
  helpRequest: (asker) => {
    // `@Threadline ops help` posted in the channel, which starts a thread of its own.
    const activity: Activity = activityFixture('message-channel-mention');
    activity.id = String(sequence++);
    activity.serviceUrl = fake.serviceUrl;
    activity.conversation = {
      ...activity.conversation,
      id: `${asker.conversation};messageid=${activity.id}`,
      tenantId: asker.workspace,
    };
    activity.from = { ...activity.from, aadObjectId: asker.user.id, name: asker.user.name ?? 'someone' };
    return JSON.stringify(activity);
  },
  signedRequest: (body) => ({
    headers: {
      'content-type': 'application/json; charset=utf-8',
      authorization: fake.authorization(JSON.parse(body) as Activity),
    },
    body,
  }),
  tamperedRequest: (body) => ({
    headers: {
      'content-type': 'application/json; charset=utf-8',
      authorization: fake.authorization(JSON.parse(body) as Activity, { wrongKey: true }),
    },
    body,
  }),
  // Teams answers a typed command with a reply to that activity, sent before the request returns.
  answer: async (body) => {
    const { id } = JSON.parse(body) as Activity;
    return shownText(fake.sent('reply').find((c) => c.activityId === id)?.activity);
  },
});

describe('ChatPlatform contract: teams', () => {
  chatPlatformContract(teamsHarness, teamsRoute);
});
