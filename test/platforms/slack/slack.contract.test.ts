import { afterAll, beforeAll, describe } from 'vitest';
import type { ConversationRef } from '../../../src/core/chat.js';
import type { ChatPlatform } from '../../../src/platforms/chat-platform.js';
import { slackSignature } from '../../../src/platforms/slack/verify.js';
import { FakeSlack } from '../../fakes/slack-api.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import {
  type ChatPlatformHarness,
  chatPlatformContract,
  type InboundRequest,
  type InboundRoute,
} from '../chat-platform.contract.js';
import { buttons, RESPONDER, SIGNING_SECRET, shownText, slackYaml, slashForm, TEAM } from './support.js';

/*
 * The Slack platform of a running Threadline (ingress role) against a loopback Slack: public
 * messages are what a channel's history shows, private ones are ephemerals for one user
 * (chat.postEphemeral, or a response_url), buttons are the elements of Block Kit actions
 * blocks. Inbound is POST /slack/events, signed with v0 HMAC-SHA256 over `v0:{ts}:{body}`.
 */

let slack: FakeSlack;
let app: TestApp;
let prefix: string;
let platform: ChatPlatform;
// A channel per test, so the one-message-per-second pacing does not slow the suite down.
let channels = 0;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: ['*'] });
  prefix = uniquePrefix('slack-contract');
  app = await startTestApp(testConfig(prefix, slackYaml(slack)), 'ingress');
  platform = app.app.chat!.platforms.require('slack');
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

function slackHarness(): ChatPlatformHarness {
  const channel = `C0CONTRACT${channels++}`;
  const conversation: ConversationRef = { platform: 'slack', workspace: TEAM, conversation: channel };
  return {
    platform,
    conversation,
    asker: { ...conversation, user: { platform: 'slack', id: RESPONDER, name: 'alice' } },
    shown: async (ref) => {
      const message = slack.message(ref.conversation, ref.id);
      return message ? shownText(message) : undefined;
    },
    thread: async (parent) => slack.replies(parent.conversation, parent.id).map((m) => shownText(m)),
    everyone: async () => slack.history(channel).map((m) => shownText(m)),
    privateTo: async (user) =>
      slack.ephemerals.filter((e) => e.user === user.id && e.channel === channel).map((e) => shownText(e)),
    buttons: async (ref) =>
      buttons(slack.message(ref.conversation, ref.id)).map((b) => ({
        label: b.text.text,
        action: b.action_id,
        value: b.value,
      })),
  };
}

function signed(body: string, secret = SIGNING_SECRET): InboundRequest {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, timestamp, body),
    },
    body,
  };
}

const slackRoute = (): InboundRoute => ({
  url: `${app.app.url}/slack/events`,
  helpRequest: (asker) =>
    slashForm('help', { team_id: asker.workspace, channel_id: asker.conversation, user_id: asker.user.id }),
  signedRequest: (body) => signed(body),
  // Signed as sent, then changed on the way: the signature no longer covers the body.
  tamperedRequest: (body) => ({ ...signed(body), body: body.replace('text=help', 'text=status') }),
  // Slack shows the in-request answer to a slash command to the one user.
  answer: async (_body, response) => (response.status === 200 ? shownText(JSON.parse(response.text)) : ''),
});

describe('ChatPlatform contract: slack', () => {
  chatPlatformContract(slackHarness, slackRoute);
});
