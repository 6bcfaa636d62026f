import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Connector } from '../../src/connectors/connector.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import { DISCORD_LIMITS } from '../../src/platforms/discord/limits.js';
import {
  type DiscordMessageJson,
  embedTotal,
  FakeDiscordWebhook,
  messageProblem,
  RATE_LIMITED_REPLY,
} from '../fakes/discord-webhook.js';
import { stored } from './support.js';

const ZWSP = '\u200B';
const http = new HttpClient({ allowPrivateNetworks: true });
let discord: FakeDiscordWebhook;

beforeAll(async () => {
  discord = await FakeDiscordWebhook.start();
});
afterEach(() => {
  discord.requests.length = 0;
});
afterAll(async () => {
  await discord.close();
  await http.close();
});

const context = { deliveryId: 'dlv-1', attempt: 1 };

async function connector(url = discord.webhookUrl): Promise<Connector> {
  const { config } = parseConfigText(
    `
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
integrations:
  discord:
    enabled: true
    webhook_url: "${url}"
    notify_on: [implementation_started, implementation_completed, implementation_failed]
    username: "Spec Bot"
    avatar_url: "https://example.com/bot-avatar.png"
`,
    {},
  );
  const found = (await ConnectorRegistry.fromConfig(config, { http })).get('discord');
  if (!found) throw new Error('discord connector not built');
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const spec = { id: 'FEAT-0001', title: 'User Authentication' };
const started = stored({ event: 'implementation_started', spec, branch: 'spec/feat-0001' });
const completed = stored({
  event: 'implementation_completed',
  spec: { ...spec, url: 'https://github.com/acme/app/blob/main/FEAT-0001.md' },
  pr: { number: 42, url: 'https://github.com/acme/app/pull/42' },
  review_requested: ['@team'],
});
const failed = stored({
  event: 'implementation_failed',
  spec,
  error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
});

function lastMessage(): DiscordMessageJson {
  return discord.last().json as DiscordMessageJson;
}

describe('Discord connector', () => {
  it('executes the webhook with wait=true and returns the message id', async () => {
    const receipt = await (await connector()).deliver(started, context);
    const request = discord.last();
    expect(request.query.get('wait')).toBe('true');
    expect(request.headers['content-type']).toBe('application/json');
    expect(receipt.reference).toMatch(/^\d+$/);
    expect(receipt.summary).toBe(`posted to Discord via webhook (message ${receipt.reference})`);
  });

  it('posts the guide’s "Implementation Started" message as an embed', async () => {
    await (await connector()).deliver(started, context);
    expect(lastMessage()).toEqual({
      username: 'Spec Bot',
      avatar_url: 'https://example.com/bot-avatar.png',
      content: '🚀 Spec Implementation Started: FEAT-0001',
      embeds: [
        {
          title: '🚀 Spec Implementation Started',
          color: 0x36c5f0,
          fields: [
            { name: 'ID', value: 'FEAT-0001', inline: true },
            { name: 'Title', value: 'User Authentication', inline: true },
            { name: 'Branch', value: 'spec/feat-0001', inline: true },
          ],
          timestamp: '2026-11-22T10:00:00Z',
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('links the title to the PR on "Implementation Completed"', async () => {
    await (await connector()).deliver(completed, context);
    const embed = lastMessage().embeds?.[0];
    expect(embed?.color).toBe(0x2eb67d);
    expect(embed?.url).toBe('https://github.com/acme/app/pull/42');
    expect(embed?.fields).toEqual([
      { name: 'ID', value: 'FEAT-0001', inline: true },
      { name: 'Title', value: 'User Authentication', inline: true },
      { name: 'PR', value: '#42', inline: true },
      { name: 'Review requested from', value: '@team', inline: true },
      {
        name: 'Links',
        value:
          '[View PR](https://github.com/acme/app/pull/42) · [View Spec](https://github.com/acme/app/blob/main/FEAT-0001.md)',
        inline: false,
      },
    ]);
  });

  it('shows the error and "Logs: View Details" on "Implementation Failed" in red', async () => {
    await (await connector()).deliver(failed, context);
    const embed = lastMessage().embeds?.[0];
    expect(embed?.color).toBe(0xe01e5a);
    expect(embed?.fields?.slice(2)).toEqual([
      { name: 'Error', value: 'Schema validation failed', inline: false },
      { name: 'Logs', value: '[View Details](https://ci.example.com/runs/7)', inline: false },
    ]);
  });

  it('colours warnings yellow', async () => {
    await (await connector()).deliver(stored({ event: 'incident_escalated' }), context);
    expect(lastMessage().embeds?.[0]?.color).toBe(0xecb22e);
  });

  it('sends allowed_mentions with an empty parse list on every request', async () => {
    const c = await connector();
    await c.deliver(started, context);
    await c.deliver(failed, context);
    await c.deliverDigest?.([started, failed], context);
    expect(discord.requests).toHaveLength(3);
    for (const message of discord.messages()) expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  it('never lets an event title ping @everyone on Discord', async () => {
    const attack = stored({
      event: 'implementation_failed',
      spec: { id: '@everyone', title: '@everyone @here <@123456789> <@&987654321> <#555>' },
      error: '@here',
      review_requested: ['<@!42>'],
    });
    await (await connector()).deliver(attack, context);
    const raw = discord.last().raw;
    expect(raw).not.toMatch(/@everyone|@here|<@|<#/);
    expect(lastMessage().content).toBe(`❌ Spec Implementation Failed: @${ZWSP}everyone`);
  });

  it('never lets event text disguise a link as a masked link', async () => {
    const attack = stored({
      event: 'implementation_started',
      spec: { id: 'X', title: '[click here](http://evil.example) [ok](<http://evil.example>)' },
      branch: '**bold** ||spoiler||',
    });
    await (await connector()).deliver(attack, context);
    const fields = lastMessage().embeds?.[0]?.fields ?? [];
    const title = fields.find((f) => f.name === 'Title')?.value ?? '';
    expect(title).toBe(
      `\\[click here\\]\\(http://evil.example\\) \\[ok\\]\\(<${ZWSP}http://evil.example>\\)`,
    );
    expect(title).not.toMatch(/(?<!\\)\]\(/);
    expect(fields.find((f) => f.name === 'Branch')?.value).toBe('\\*\\*bold\\*\\* \\|\\|spoiler\\|\\|');
  });

  it('cuts oversized text visibly so Discord accepts the embed', async () => {
    const long = (base: string, length: number) => `${base}${'a'.repeat(length - base.length)}`;
    const huge = stored({
      event: 'implementation_failed',
      spec: {
        id: '_'.repeat(200),
        title: '*'.repeat(1000),
        url: long('https://github.com/acme/app/blob/', 500),
      },
      pr: { number: 42, url: long('https://github.com/acme/app/pull/42?', 500) },
      branch: '_'.repeat(500),
      error: { message: '*'.repeat(10_000), logs_url: long('https://ci.example.com/runs/7?', 980) },
      review_requested: Array.from({ length: 50 }, (_, i) => `reviewer-${'x'.repeat(150)}-${i}`),
      repository: { owner: '_'.repeat(200), name: '_'.repeat(200) },
    });
    await (await connector()).deliver(huge, context);
    const message = lastMessage();
    expect(messageProblem(message)).toBeUndefined();
    const embed = message.embeds?.[0];
    if (!embed) throw new Error('no embed');
    expect(embedTotal(embed)).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    for (const field of embed.fields ?? [])
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    const error = embed.fields?.find((f) => f.name === 'Error')?.value ?? '';
    expect(error.endsWith('…')).toBe(true);
    expect(error).toMatch(/^(\\\*)+…$/);
    expect(embed.fields?.find((f) => f.name === 'Logs')?.value).toMatch(
      /^\[View Details\]\(https:\/\/ci\.example\.com/,
    );
    expect(embed.fields?.find((f) => f.name === 'Links')?.value).toMatch(/^\[View PR\]\([^)]+\)$/);
  });

  it('caps a long digest at Discord’s description limit', async () => {
    const events = Array.from({ length: 200 }, (_, i) =>
      stored({ event: 'implementation_failed', spec: { id: `FEAT-${'9'.repeat(150)}-${i}` } }, `e${i}`),
    );
    await (await connector()).deliverDigest?.(events, context);
    const message = lastMessage();
    expect(messageProblem(message)).toBeUndefined();
    expect(message.content).toBe('📨 200 notifications held by the rate limit');
    expect(message.embeds?.[0]?.description?.endsWith('…')).toBe(true);
  });

  it('honours Discord’s retry_after on 429', async () => {
    discord.reply(RATE_LIMITED_REPLY);
    const error = await rejection((await connector()).deliver(started, context));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(1_500);
  });

  it('falls back to the Retry-After header when a 429 has no JSON body', async () => {
    discord.reply({ status: 429, headers: { 'retry-after': '4' }, body: '<html>slow down</html>' });
    const error = await rejection((await connector()).deliver(started, context));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(4_000);
  });

  it('maps Discord’s answers to error kinds', async () => {
    const c = await connector();
    discord.reply({ status: 400, body: { message: 'Invalid Form Body', code: 50035 } });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(ValidationError);
    discord.reply({ status: 500, body: { message: 'Internal Server Error', code: 0 } });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(TransientError);
    const wrongToken = discord.webhookUrl.replace(discord.token, 'not-the-token');
    expect(await rejection((await connector(wrongToken)).deliver(started, context))).toBeInstanceOf(
      AuthError,
    );
    const unknown = discord.webhookUrl.replace('/1234567890123456789/', '/1/');
    expect(await rejection((await connector(unknown)).deliver(started, context))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('never puts the webhook token into errors or receipts', async () => {
    const c = await connector();
    const said = [(await c.deliver(started, context)).summary];
    discord.reply({
      status: 400,
      body: { message: `Invalid Form Body for ${discord.webhookUrl}?wait=true` },
    });
    said.push((await rejection(c.deliver(started, context))).message);
    discord.reply(RATE_LIMITED_REPLY);
    said.push((await rejection(c.deliver(started, context))).message);
    const closed = await FakeDiscordWebhook.start();
    const closedUrl = closed.webhookUrl;
    await closed.close();
    said.push((await rejection((await connector(closedUrl)).deliver(started, context))).message);
    for (const text of said) expect(text).not.toContain(discord.token);
  });

  it('reports its configuration in check() without sending anything', async () => {
    await expect((await connector()).check()).resolves.toEqual({
      ok: true,
      detail: 'webhook configured; 3 event(s)',
    });
    expect(discord.requests).toHaveLength(0);
  });
});
