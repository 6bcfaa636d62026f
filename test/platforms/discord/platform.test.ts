import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatPlatform } from '../../../src/chat/platform.js';
import type { PlatformModule } from '../../../src/chat/platform-module.js';
import type { ConversationRef, MessageRef, ReplyTo } from '../../../src/chat/types.js';
import type { Card, CardAction } from '../../../src/core/card.js';
import { AuthError, NotFoundError, RateLimitedError, ValidationError } from '../../../src/core/errors.js';
import { HttpClient } from '../../../src/net/http-client.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { ConsolePlatform } from '../../../src/platforms/console/console.platform.js';
import { createDiscordModule } from '../../../src/platforms/discord/index.js';
import { renderButtons, renderDiscordCard } from '../../../src/platforms/discord/render.js';
import { FakeDiscordApi, InteractionSender } from '../../fakes/discord-api.js';
import { testConfig } from '../../support/config.js';
import { capturingLogger } from '../../support/logs.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';

const APPLICATION_ID = '290926444748734465';
const GUILD = '290926798626357999';
const USER = '53908232506183680';

let fake: FakeDiscordApi;
let http: HttpClient;
let redis: Redis;
let prefix: string;
const modules: PlatformModule[] = [];

function discordModule(botToken = fake.botToken): PlatformModule {
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
  const module = createDiscordModule({
    config: loaded.config,
    logger: capturingLogger(loaded).logger,
    http,
    redis,
    prefix,
    metrics: new Metrics({ defaultMetrics: false }),
  });
  modules.push(module);
  return module;
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

/** What a contract test can observe of a platform, whatever the platform is. */
interface Harness {
  platform: ChatPlatform;
  place: ConversationRef;
  asker: ReplyTo;
  /** The title the message currently shows. */
  titleOf(ref: MessageRef): string | undefined;
  /** Titles visible to everyone in the conversation. */
  publicTitles(): string[];
  /** Titles shown only to this user. */
  privateTitles(userId: string): string[];
}

function consoleHarness(): Harness {
  const frames: Array<{ label: string; title: string }> = [];
  const platform = new ConsolePlatform((text) => {
    const [label, title] = text.split('\n');
    frames.push({ label: label!.slice(1, -1), title: title!.replace(/^\S+ /, '') });
  });
  const place: ConversationRef = { platform: 'console', workspace: 'console', conversation: 'terminal' };
  return {
    platform,
    place,
    asker: { ...place, user: { platform: 'console', id: 'alice' } },
    titleOf: (ref) =>
      frames.filter((f) => f.label === `#${ref.id}` || f.label === `#${ref.id} updated`).at(-1)?.title,
    publicTitles: () => frames.filter((f) => f.label.startsWith('#')).map((f) => f.title),
    privateTitles: () => frames.filter((f) => f.label === 'only you').map((f) => f.title),
  };
}

function discordHarness(): Harness {
  const platform = discordModule().platform;
  const channel = fake.addChannel();
  const place: ConversationRef = { platform: 'discord', workspace: GUILD, conversation: channel };
  const token = `token-${fake.snowflake()}`;
  const title = (m: { embeds?: Array<{ title?: string }> }) => m.embeds?.[0]?.title ?? '';
  return {
    platform,
    place,
    asker: { ...place, user: { platform: 'discord', id: USER }, responseToken: token },
    titleOf: (ref) =>
      fake.messages(ref.thread ?? ref.conversation).find((m) => m.id === ref.id)?.embeds?.[0]?.title,
    publicTitles: () =>
      [...fake.messages(channel), ...[...fake.threads.keys()].flatMap((t) => fake.messages(t))].map(title),
    privateTitles: () => [
      ...fake.followUps.filter((f) => f.token === token && f.body.flags === 64).map((f) => title(f.body)),
      ...fake.messages(fake.dmChannels.get(USER) ?? '-').map(title),
    ],
  };
}

describe.each([
  ['console', consoleHarness],
  ['discord', discordHarness],
])('ChatPlatform contract: %s', (_name, makeHarness) => {
  it('post returns a MessageRef for the message it posted', async () => {
    const h = makeHarness();
    const ref = await h.platform.post(h.place, card('Contract card one'));
    expect(ref).toMatchObject({
      platform: h.place.platform,
      workspace: h.place.workspace,
      conversation: h.place.conversation,
    });
    expect(ref.id).toMatch(/\S/);
    expect(h.titleOf(ref)).toBe('Contract card one');
  });

  it('update changes that message in place', async () => {
    const h = makeHarness();
    const ref = await h.platform.post(h.place, card('Before the update'));
    await h.platform.update(ref, card('After the update'));
    expect(h.titleOf(ref)).toBe('After the update');
  });

  it('a post into a thread of a posted message keeps the thread in its MessageRef', async () => {
    const h = makeHarness();
    const parent = await h.platform.post(h.place, card('Thread parent'));
    const reply = await h.platform.post({ ...h.place, thread: parent.id }, card('Thread reply'));
    expect(reply.thread).toBe(parent.id);
    expect(reply.conversation).toBe(h.place.conversation);
    await h.platform.update(reply, card('Thread reply, edited'));
    expect(h.titleOf(reply)).toBe('Thread reply, edited');
  });

  it('postEphemeral reaches only the user who asked', async () => {
    const h = makeHarness();
    await h.platform.postEphemeral(h.asker, card('Only for you'));
    expect(h.privateTitles(h.asker.user.id)).toContain('Only for you');
    expect(h.publicTitles()).not.toContain('Only for you');
  });
});

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
