import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import type { Card, CardAction } from '../../../src/core/card.js';
import type { ConversationRef, ReplyTo } from '../../../src/core/chat.js';
import { AuthError, NotFoundError, RateLimitedError, ValidationError } from '../../../src/core/errors.js';
import { HttpClient } from '../../../src/net/http-client.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { ChatPlatform, PlatformModule } from '../../../src/platforms/chat-platform.js';
import { createDiscordModule } from '../../../src/platforms/discord/index.js';
import { renderButtons, renderDiscordCard } from '../../../src/platforms/discord/render.js';
import {
  FakeDiscordApi,
  type InteractionAnswer,
  InteractionSender,
  interactionFixture,
  type MessageBody,
} from '../../fakes/discord-api.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { capturingLogger } from '../../support/logs.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';
import {
  type ChatPlatformHarness,
  chatPlatformContract,
  type InboundRequest,
  type InboundRoute,
} from '../chat-platform.contract.js';

const APPLICATION_ID = '290926444748734465';
const GUILD = '290926798626357999';
const USER = '53908232506183680';

let fake: FakeDiscordApi;
let http: HttpClient;
let redis: Redis;
let prefix: string;
const modules: PlatformModule[] = [];

function discordModule(botToken = fake.botToken): PlatformModule & { logs: () => string } {
  const loaded = testConfig(
    prefix,
    `
platforms:
  discord:
    enabled: true
    api_url: "${fake.apiUrl}"
    application_id: "${APPLICATION_ID}"
    public_key: "${new InteractionSender().publicKeyHex}"
    bot_token: "${botToken}"
`,
  );
  const captured = capturingLogger(loaded);
  const module = createDiscordModule({
    config: loaded.config,
    commands: COMMANDS,
    logger: captured.logger,
    http,
    redis,
    prefix,
    metrics: new Metrics({ defaultMetrics: false }),
  });
  modules.push(module);
  return Object.assign(module, { logs: captured.text });
}

beforeAll(async () => {
  fake = await FakeDiscordApi.start();
  http = new HttpClient({ allowPrivateNetworks: true });
  redis = testRedis();
  prefix = uniquePrefix('discord-platform');
});

afterAll(async () => {
  for (const module of modules) await module.stop?.();
  await http?.close();
  redis?.disconnect();
  await fake?.close();
  await dropPrefix(prefix);
});

function card(title: string, actions: CardAction[] = []): Card {
  return { title, severity: 'info', text: 'Body text', fields: [], links: [], actions };
}

/*
 * The shared contract against the Discord platform of a running Threadline (ingress role):
 * public messages are what the channel and the threads started from its messages show,
 * private ones are interaction follow-ups with flags 64 (EPHEMERAL) under the asker's token,
 * or a DM; buttons are the message components, `custom_id` = action id + ":" + value.
 * Inbound is POST /discord/interactions, signed with Ed25519 over timestamp + body.
 */
describe('ChatPlatform contract: discord', () => {
  const sender = new InteractionSender();
  let app: TestApp;
  let platform: ChatPlatform;

  beforeAll(async () => {
    app = await startTestApp(
      testConfig(
        prefix,
        `
platforms:
  discord:
    enabled: true
    api_url: "${fake.apiUrl}"
    application_id: "${APPLICATION_ID}"
    public_key: "${sender.publicKeyHex}"
    bot_token: "${fake.botToken}"
`,
      ),
      'ingress',
    );
    platform = app.app.chat!.platforms.require('discord');
  });
  afterAll(async () => {
    await app?.close();
  });

  function discordHarness(): ChatPlatformHarness {
    const channel = fake.addChannel();
    const conversation: ConversationRef = { platform: 'discord', workspace: GUILD, conversation: channel };
    // A user and an interaction token of this test's own: follow-ups and DMs are found by them.
    const asker: ReplyTo = {
      ...conversation,
      user: { platform: 'discord', id: fake.snowflake() },
      responseToken: `token-${fake.snowflake()}`,
    };
    const threads = () => [...fake.threads].filter(([, parent]) => parent === channel).map(([id]) => id);
    return {
      platform,
      conversation,
      asker,
      shown: async (ref) => {
        const message = fake.messages(ref.thread ?? ref.conversation).find((m) => m.id === ref.id);
        return message ? shownText(message) : undefined;
      },
      // A Discord thread started from a message has that message's id.
      thread: async (parent) =>
        fake.threads.get(parent.id) === parent.conversation ? fake.messages(parent.id).map(shownText) : [],
      everyone: async () => [channel, ...threads()].flatMap((id) => fake.messages(id)).map(shownText),
      privateTo: async (user) => [
        ...fake.followUps
          .filter((f) => user.id === asker.user.id && f.token === asker.responseToken && f.body.flags === 64)
          .map((f) => shownText(f.body)),
        ...fake.messages(fake.dmChannels.get(user.id) ?? '-').map(shownText),
      ],
      buttons: async (ref) => {
        const message = fake.messages(ref.thread ?? ref.conversation).find((m) => m.id === ref.id);
        return (message?.components ?? [])
          .flatMap((row) => row.components ?? [])
          .map((b) => {
            const [, action, value] = /^\??([^:]+):(.*)$/.exec(b.custom_id ?? '') ?? [];
            return { label: b.label ?? '', action: action ?? '', value: value || undefined };
          });
      },
    };
  }

  function signed(body: string, by = sender): InboundRequest {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      headers: {
        'content-type': 'application/json',
        'x-signature-ed25519': by.signature(body, timestamp),
        'x-signature-timestamp': timestamp,
      },
      body,
    };
  }

  const discordRoute = (): InboundRoute => ({
    url: `${app.app.url}/discord/interactions`,
    helpRequest: (asker) => {
      const payload = interactionFixture('command-help');
      payload.id = fake.snowflake();
      payload.token = `token-${fake.snowflake()}`;
      payload.application_id = APPLICATION_ID;
      payload.guild_id = asker.workspace;
      payload.channel_id = asker.conversation;
      payload.channel.id = asker.conversation;
      payload.member.user.id = asker.user.id;
      return JSON.stringify(payload);
    },
    signedRequest: (body) => signed(body),
    // Signed as sent, then changed on the way: the signature no longer covers the body.
    tamperedRequest: (body) => ({ ...signed(body), body: body.replace('"name":"help"', '"name":"status"') }),
    // The answer to a slash command is the interaction response itself (type 4, ephemeral).
    answer: async (_body, response) => {
      if (response.status !== 200) return '';
      const answer = JSON.parse(response.text) as InteractionAnswer;
      return answer.data ? shownText(answer.data) : '';
    },
  });

  chatPlatformContract(discordHarness, discordRoute);
});

/** All text a Discord message shows: content, then each embed's title, description, fields and footer. */
function shownText(message: MessageBody): string {
  const parts = [message.content ?? ''];
  for (const embed of message.embeds ?? []) {
    parts.push(embed.title ?? '', embed.description ?? '');
    for (const field of embed.fields ?? []) parts.push(field.name, field.value);
    parts.push(embed.footer?.text ?? '');
  }
  return parts.filter(Boolean).join('\n');
}

describe('Discord platform', () => {
  it('starts the thread from the parent message once, then posts every reply into it', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const place = { platform: 'discord' as const, workspace: GUILD, conversation: channel };
    const parent = await platform.post(place, card('INC-7: parent'));
    await platform.post({ ...place, thread: parent.id }, card('first reply'));
    await platform.post({ ...place, thread: parent.id }, card('second reply'));
    const created = fake.find('POST', new RegExp(`^/channels/${channel}/messages/${parent.id}/threads$`));
    expect(created).toHaveLength(1);
    expect((created[0]!.json as { name: string }).name).toBe('first reply');
    expect(fake.messages(parent.id).map((m) => m.embeds?.[0]?.title)).toEqual([
      'first reply',
      'second reply',
    ]);
  });

  it('uses a thread that another worker has just started (160004) instead of failing', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const place = { platform: 'discord' as const, workspace: GUILD, conversation: channel };
    const parent = await platform.post(place, card('parent'));
    await platform.post({ ...place, thread: parent.id }, card('one'));
    // As if the thread did not exist yet when this worker looked.
    fake.script(
      { status: 404, body: { message: 'Unknown Channel', code: 10003 } },
      { method: 'POST', path: new RegExp(`^/channels/${parent.id}/messages$`) },
    );
    const ref = await platform.post({ ...place, thread: parent.id }, card('two'));
    expect(ref.thread).toBe(parent.id);
    expect(fake.messages(parent.id).map((m) => m.embeds?.[0]?.title)).toEqual(['one', 'two']);
  });

  it('honours the precise retry_after of a 429 and then succeeds', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    fake.script(
      {
        status: 429,
        headers: { 'retry-after': '1', 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: 0.3, global: false },
      },
      { method: 'POST', path: new RegExp(`^/channels/${channel}/messages$`) },
    );
    const ref = await platform.post(
      { platform: 'discord', workspace: GUILD, conversation: channel },
      card('after 429'),
    );
    const attempts = fake.find('POST', new RegExp(`^/channels/${channel}/messages$`));
    expect(attempts).toHaveLength(2);
    const gap = attempts[1]!.at - attempts[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(300);
    expect(gap).toBeLessThan(1_000);
    expect(fake.messages(channel).map((m) => m.id)).toEqual([ref.id]);
  });

  it('turns a long rate limit into RateLimitedError with the wait, without blocking', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    fake.script(
      {
        status: 429,
        headers: { 'retry-after': '31', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        body: { message: 'You are being rate limited.', retry_after: 30.5, global: true },
      },
      { method: 'POST', path: new RegExp(`^/channels/${channel}/messages$`) },
    );
    const started = Date.now();
    const error = await platform
      .post({ platform: 'discord', workspace: GUILD, conversation: channel }, card('too fast'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(30_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.find('POST', new RegExp(`^/channels/${channel}/messages$`))).toHaveLength(1);
  });

  it('explains Missing Access (50001) in words and does not retry it', async () => {
    const { platform } = discordModule();
    const hidden = fake.snowflake();
    fake.denyChannel(hidden);
    const error = await platform
      .post({ platform: 'discord', workspace: GUILD, conversation: hidden }, card('nobody sees this'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/cannot see the Discord channel for posting to channel \d+/);
    expect((error as Error).message).toMatch(/50001: Missing Access/);
    expect(fake.find('POST', new RegExp(`^/channels/${hidden}/messages$`))).toHaveLength(1);
  });

  it('reports an unknown channel (10003) as NotFoundError', async () => {
    const { platform } = discordModule();
    const error = await platform
      .post({ platform: 'discord', workspace: GUILD, conversation: fake.snowflake() }, card('lost'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(/does not exist, or the bot is not in its server/);
  });

  it('reports a refused bot token as AuthError without echoing it', async () => {
    const { platform } = discordModule('not-the-right-token-123456');
    const error = await platform
      .post({ platform: 'discord', workspace: GUILD, conversation: fake.addChannel() }, card('x'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/platforms\.discord\.bot_token/);
    expect((error as Error).message).not.toContain('not-the-right-token');
  });

  it('sends an ephemeral card as an interaction follow-up with flags 64, without the bot token', async () => {
    const { platform } = discordModule();
    const token = `token-${fake.snowflake()}`;
    await platform.postEphemeral(
      {
        platform: 'discord',
        workspace: GUILD,
        conversation: fake.addChannel(),
        user: { platform: 'discord', id: USER },
        responseToken: token,
      },
      card('just you'),
    );
    const request = fake.find('POST', new RegExp(`^/webhooks/${APPLICATION_ID}/${token}$`));
    expect(request).toHaveLength(1);
    expect(request[0]!.headers.authorization).toBeUndefined();
    expect(request[0]!.json).toMatchObject({ flags: 64, allowed_mentions: { parse: [] } });
  });

  it('falls back to a direct message when the interaction token has expired', async () => {
    const { platform } = discordModule();
    const token = `token-${fake.snowflake()}`;
    fake.expireToken(token);
    const user = '53908232506180001';
    await platform.postEphemeral(
      {
        platform: 'discord',
        workspace: GUILD,
        conversation: fake.addChannel(),
        user: { platform: 'discord', id: user },
        responseToken: token,
      },
      card('late answer'),
    );
    expect(fake.find('POST', /^\/users\/@me\/channels$/).at(-1)!.json).toEqual({ recipient_id: user });
    const dm = fake.dmChannels.get(user)!;
    expect(fake.messages(dm).map((m) => m.embeds?.[0]?.title)).toEqual(['late answer']);
  });
});

/** A command's ReplyTo as the interactions route builds it: token, its channel, its lifetime. */
function interactionReply(
  channel: string,
  options: { thread?: string; from?: string; expiresAt?: number } = {},
): ReplyTo & { responseToken: string } {
  return {
    platform: 'discord',
    workspace: GUILD,
    conversation: channel,
    thread: options.thread,
    user: { platform: 'discord', id: USER },
    responseToken: `token-${fake.snowflake()}`,
    responseTokenExpiresAt: options.expiresAt ?? Date.now() + 13 * 60_000,
    responseChannel: options.from ?? options.thread ?? channel,
  };
}

function webhookPosts(token: string) {
  return fake.find('POST', new RegExp(`^/webhooks/${APPLICATION_ID}/${token}$`));
}

function botPosts(channel: string) {
  return fake.find('POST', new RegExp(`^/channels/${channel}/messages$`));
}

describe('Discord results through the interaction webhook', () => {
  it("posts a result into the interaction's own channel as a public follow-up, without the bot token", async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const asker = interactionReply(channel);
    fake.interaction(asker.responseToken, channel);
    const ref = await platform.post(asker, card('INC-9: through the webhook'));

    const [request, ...more] = webhookPosts(asker.responseToken);
    expect(more).toEqual([]);
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.json).toMatchObject({ allowed_mentions: { parse: [] } });
    expect((request!.json as MessageBody).flags ?? 0).toBe(0);
    expect(botPosts(channel)).toEqual([]);
    // The same channel message as a bot post: found, threaded and edited through the channel.
    expect(ref).toMatchObject({ conversation: channel, thread: undefined });
    expect(fake.messages(channel).map((m) => [m.id, m.embeds?.[0]?.title])).toEqual([
      [ref.id, 'INC-9: through the webhook'],
    ]);
    await platform.post({ ...asker, thread: ref.id }, card('reply in its thread'));
    await platform.update(ref, card('INC-9: updated'));
    expect(fake.messages(ref.id).map((m) => m.embeds?.[0]?.title)).toEqual(['reply in its thread']);
    expect(fake.messages(channel)[0]!.embeds?.[0]?.title).toBe('INC-9: updated');
  });

  it("posts through the bot where a follow-up cannot go: a thread the interaction did not come from, or the parent of the interaction's thread", async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const parent = await platform.post(
      { platform: 'discord', workspace: GUILD, conversation: channel },
      card('card'),
    );
    const fromChannel = interactionReply(channel, { thread: parent.id, from: channel });
    fake.interaction(fromChannel.responseToken, channel);
    await platform.post(fromChannel, card('into the card thread'));
    expect(webhookPosts(fromChannel.responseToken)).toEqual([]);
    expect(botPosts(parent.id)).toHaveLength(1);

    const fromThread = interactionReply(channel, { from: parent.id });
    fake.interaction(fromThread.responseToken, parent.id);
    await platform.post(fromThread, card('into the parent channel'));
    expect(webhookPosts(fromThread.responseToken)).toEqual([]);
    expect(fake.messages(channel).map((m) => m.embeds?.[0]?.title)).toEqual([
      'card',
      'into the parent channel',
    ]);
  });

  it('answers into the thread an interaction came from through its follow-up, without starting the thread again', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const parent = await platform.post(
      { platform: 'discord', workspace: GUILD, conversation: channel },
      card('card'),
    );
    await platform.post(
      { platform: 'discord', workspace: GUILD, conversation: channel, thread: parent.id },
      card('one'),
    );
    const { platform: otherWorker } = discordModule();
    const asker = interactionReply(channel, { thread: parent.id });
    fake.interaction(asker.responseToken, parent.id);
    await otherWorker.post(asker, card('two, from inside the thread'));
    expect(webhookPosts(asker.responseToken)).toHaveLength(1);
    expect(
      fake.find('POST', new RegExp(`^/channels/${channel}/messages/${parent.id}/threads$`)),
    ).toHaveLength(1);
    expect(fake.messages(parent.id).map((m) => m.embeds?.[0]?.title)).toEqual([
      'one',
      'two, from inside the thread',
    ]);
  });

  it('posts through the bot once the token is past its lifetime, without trying it', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const asker = interactionReply(channel, { expiresAt: Date.now() - 1 });
    fake.interaction(asker.responseToken, channel);
    await platform.post(asker, card('late result'));
    expect(webhookPosts(asker.responseToken)).toEqual([]);
    expect(botPosts(channel)).toHaveLength(1);
    expect(botPosts(channel)[0]!.headers.authorization).toBe(`Bot ${fake.botToken}`);

    await platform.postEphemeral(asker, card('late, privately'));
    expect(webhookPosts(asker.responseToken)).toEqual([]);
    expect(fake.messages(fake.dmChannels.get(USER)!).at(-1)?.embeds?.[0]?.title).toBe('late, privately');
  });

  it('falls back to the bot when Discord no longer takes the token (10015 Unknown Webhook)', async () => {
    const { platform, logs } = discordModule();
    const channel = fake.addChannel();
    const asker = interactionReply(channel);
    fake.interaction(asker.responseToken, channel);
    fake.expireToken(asker.responseToken);
    const ref = await platform.post(asker, card('still delivered'));
    expect(webhookPosts(asker.responseToken)).toHaveLength(1);
    expect(botPosts(channel)).toHaveLength(1);
    expect(fake.messages(channel).map((m) => [m.id, m.embeds?.[0]?.title])).toEqual([
      [ref.id, 'still delivered'],
    ]);
    expect(logs()).toMatch(/did not take the interaction token/);
    expect(logs()).not.toContain(asker.responseToken);
  });

  it("does not queue a result behind the bot's global limit of 50 requests/s", async () => {
    const { platform } = discordModule();
    const channels = Array.from({ length: 60 }, () => fake.addChannel());
    const place = (channel: string) => ({
      platform: 'discord' as const,
      workspace: GUILD,
      conversation: channel,
    });
    // 60 bot posts at once: discord.js sends 50 and holds the rest until its one-second window ends.
    const botWork = Promise.all(channels.map((c) => platform.post(place(c), card('bot'))));
    const channel = fake.addChannel();
    const asker = interactionReply(channel);
    fake.interaction(asker.responseToken, channel);
    await platform.post(asker, card('result'));
    const [followUp] = webhookPosts(asker.responseToken);
    const botArrivals = channels.flatMap((c) => botPosts(c)).map((r) => r.at);
    expect(botArrivals.length).toBeLessThan(60);
    await botWork;
    const arrivals = channels
      .flatMap((c) => botPosts(c))
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(60);
    expect(followUp!.at).toBeLessThan(arrivals[50]!);
  });

  it('falls back to the bot when Discord makes the follow-up the edit of a deferred ephemeral answer', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const asker = interactionReply(channel);
    fake.interaction(asker.responseToken, channel, { deferredFlags: 64 });
    const ref = await platform.post(asker, card('INC-10: for everyone'));
    expect(fake.originalEdits.filter((e) => e.token === asker.responseToken)).toHaveLength(1);
    // Public after all, and a thread can start from it.
    expect(fake.messages(channel).map((m) => [m.id, m.embeds?.[0]?.title])).toEqual([
      [ref.id, 'INC-10: for everyone'],
    ]);
    await platform.post({ ...asker, thread: ref.id }, card('threaded'));
    expect(fake.threads.get(ref.id)).toBe(channel);
  });

  it('waits out a 429 on the webhook route and then posts through the webhook, not the bot', async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const asker = interactionReply(channel);
    fake.interaction(asker.responseToken, channel);
    fake.script(
      {
        status: 429,
        headers: { 'retry-after': '1', 'x-ratelimit-scope': 'shared' },
        body: { message: 'You are being rate limited.', retry_after: 0.3, global: false },
      },
      { method: 'POST', path: new RegExp(`^/webhooks/${APPLICATION_ID}/${asker.responseToken}$`) },
    );
    const ref = await platform.post(asker, card('after the 429'));
    const attempts = webhookPosts(asker.responseToken);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(300);
    expect(botPosts(channel)).toEqual([]);
    expect(fake.messages(channel).map((m) => m.id)).toEqual([ref.id]);
  });

  it("turns a long 429 on the webhook route into RateLimitedError, and the bot's REST is not held up by it", async () => {
    const { platform } = discordModule();
    const channel = fake.addChannel();
    const asker = interactionReply(channel);
    fake.interaction(asker.responseToken, channel);
    fake.script(
      {
        status: 429,
        headers: { 'retry-after': '31', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        body: { message: 'You are being rate limited.', retry_after: 30.5, global: true },
      },
      { method: 'POST', path: new RegExp(`^/webhooks/${APPLICATION_ID}/${asker.responseToken}$`) },
    );
    const error = await platform.post(asker, card('too fast')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(30_000);
    expect(botPosts(channel)).toEqual([]);
    const elsewhere = fake.addChannel();
    await platform.post({ platform: 'discord', workspace: GUILD, conversation: elsewhere }, card('bot post'));
    expect(fake.messages(elsewhere)).toHaveLength(1);
  });
});

describe('Discord card rendering', () => {
  it('maps card actions to buttons: primary 1, default 2, danger 4, custom_id = action id + value', () => {
    const rows = renderButtons([
      { id: 'incident.ack', label: 'Acknowledge', style: 'primary', value: 'INC-3' },
      { id: 'incident.note', label: 'Note', value: 'INC-3' },
      { id: 'incident.escalate', label: 'Escalate', style: 'danger', value: 'INC-3' },
    ]);
    expect(rows).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: 'Acknowledge', custom_id: 'incident.ack:INC-3' },
          { type: 2, style: 2, label: 'Note', custom_id: 'incident.note:INC-3' },
          { type: 2, style: 4, label: 'Escalate', custom_id: 'incident.escalate:INC-3' },
        ],
      },
    ]);
  });

  it('keeps to 5 buttons a row and 5 rows, leaves out ids over 100 characters, cuts labels to 80', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `a.b${i}`, label: `Button ${i}`, value: 'v' }));
    const rows = renderButtons([
      { id: 'x'.repeat(99), label: 'too long', value: 'abc' },
      { id: 'long.label', label: 'L'.repeat(120), value: '1' },
      ...many,
    ]);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.components.length).toBeLessThanOrEqual(5);
    const all = rows.flatMap((r) => r.components);
    expect(all).toHaveLength(25);
    expect(all.every((b) => b.custom_id.length <= 100)).toBe(true);
    expect(all[0]!.label).toHaveLength(80);
    expect(all.some((b) => b.label === 'too long')).toBe(false);
  });

  it('renders the embed through the shared Discord renderer, escaped, with no mentions allowed', () => {
    const message = renderDiscordCard({
      title: 'Deploy by @everyone <@123>',
      severity: 'failure',
      text: '**bold** [link](https://evil.example)',
      fields: [{ label: 'Service', value: 'pay_ments' }],
      links: [],
      actions: [],
    });
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.components).toEqual([]);
    expect(message.embeds[0]!.title).toBe('Deploy by @\u200Beveryone <\u200B@123>');
    expect(message.embeds[0]!.description).toBe('\\*\\*bold\\*\\* \\[link\\]\\(https://evil.example\\)');
    expect(message.embeds[0]!.fields).toEqual([{ name: 'Service', value: 'pay\\_ments', inline: true }]);
  });
});
