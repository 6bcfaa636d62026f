import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { Card } from '../../../src/core/card.js';
import type { ConversationRef, ReplyTo } from '../../../src/core/chat.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../../src/core/errors.js';
import { HttpClient } from '../../../src/net/http-client.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { ChatPlatform, PlatformModule } from '../../../src/platforms/chat-platform.js';
import { createSlackModule } from '../../../src/platforms/slack/module.js';
import { FakeSlack, wallClock } from '../../fakes/slack-api.js';
import { capturingLogger } from '../../support/logs.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';
import { shownText, TEAM } from './support.js';

/*
 * The outbound half against a loopback Slack and the real Redis. Two modules with their own
 * Redis connections and HTTP pools stand in for two Threadline processes. What every platform
 * promises (post, threads, update, ephemeral, buttons) is the shared contract in
 * slack.contract.test.ts; these are the Slack specifics: pacing, rate limits, error mapping and
 * response_urls.
 */

const CHANNELS = [
  ...Array.from({ length: 9 }, (_, i) => `C0MAP${i}`),
  ...['C0THREAD', 'C0BUSY', 'C0PACE', 'C0FAST', 'C0LIMIT', 'C0LIMIT2', 'C0OTHER', 'C0EPH', 'C0ERR'],
];

let slack: FakeSlack;
let prefix: string;
const opened: Array<{ redis: Redis; http: HttpClient; module: PlatformModule }> = [];

function slackModule(token?: string): ChatPlatform {
  const loaded = parseConfigText(
    `
redis: { prefix: "${prefix}" }
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
queue: { request_timeout_ms: 3000 }
platforms:
  slack:
    enabled: true
    api_url: "${slack.apiUrl}"
    bot_token: "${token ?? slack.token}"
    signing_secret: "unused-in-these-tests"
`,
    {},
  );
  const redis = testRedis();
  const http = new HttpClient({ allowPrivateNetworks: true });
  const module = createSlackModule({
    config: loaded.config,
    commands: COMMANDS,
    logger: capturingLogger(loaded).logger,
    http,
    redis,
    prefix,
    metrics: new Metrics({ defaultMetrics: false }),
  });
  opened.push({ redis, http, module });
  return module.platform;
}

function card(title: string, extra: Partial<Card> = {}): Card {
  return { title, severity: 'info', fields: [], links: [], actions: [], ...extra };
}

function place(channel: string): ConversationRef {
  return { platform: 'slack', workspace: TEAM, conversation: channel };
}

function replyTo(channel: string, responseToken?: string): ReplyTo {
  return { ...place(channel), user: { platform: 'slack', id: 'U123', name: 'alice' }, responseToken };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

let one: ChatPlatform;
let two: ChatPlatform;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: CHANNELS });
  prefix = uniquePrefix('slack-out');
  one = slackModule();
  two = slackModule();
});

afterAll(async () => {
  for (const { redis, http } of opened) {
    redis.disconnect();
    await http.close();
  }
  await slack?.close();
  await dropPrefix(prefix);
});

describe('Slack outbound calls', () => {
  it('posts a reply into a thread with thread_ts and renders buttons as a Block Kit actions block', async () => {
    const parent = await one.post(place('C0THREAD'), card('Parent'));
    await one.post(
      { ...place('C0THREAD'), thread: parent.id },
      card('Reply', {
        actions: [
          { id: 'incident.ack', label: 'Acknowledge', style: 'primary', value: 'INC-7' },
          {
            id: 'incident.resolve',
            label: 'Resolve',
            value: 'INC-7',
            confirm: { title: 'Resolve?', text: 'Sure?', confirm: 'Resolve', deny: 'Cancel' },
          },
        ],
      }),
    );
    const body = slack.calls('chat.postMessage').at(-1)!.json as Record<string, unknown>;
    expect(body.thread_ts).toBe(parent.id);
    expect(body.unfurl_links).toBe(false);
    expect((body.blocks as Array<{ type: string }>).find((b) => b.type === 'actions')).toEqual({
      type: 'actions',
      block_id: 'tl.actions.0',
      elements: [
        {
          type: 'button',
          action_id: 'incident.ack',
          text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
          value: 'INC-7',
          style: 'primary',
        },
        {
          type: 'button',
          action_id: 'incident.resolve',
          text: { type: 'plain_text', text: 'Resolve', emoji: true },
          value: 'INC-7',
          confirm: {
            title: { type: 'plain_text', text: 'Resolve?', emoji: true },
            text: { type: 'plain_text', text: 'Sure?', emoji: true },
            confirm: { type: 'plain_text', text: 'Resolve', emoji: true },
            deny: { type: 'plain_text', text: 'Cancel', emoji: true },
          },
        },
      ],
    });
    expect(slack.calls('chat.postMessage').at(-1)!.headers.authorization).toBe(`Bearer ${slack.token}`);
  });

  it('paces posts to one channel about a second apart, across processes, without delaying other channels', async () => {
    const arrivals = (channel: string) =>
      slack
        .calls('chat.postMessage')
        .filter((r) => (r.json as { channel: string }).channel === channel)
        .map((r) => r.at);
    const started = wallClock();
    await Promise.all([
      one.post(place('C0PACE'), card('pace 1')),
      two.post(place('C0PACE'), card('pace 2')),
      one.post(place('C0PACE'), card('pace 3')),
      two.post(place('C0FAST'), card('fast')),
    ]);
    const paced = arrivals('C0PACE').sort((a, b) => a - b);
    expect(paced).toHaveLength(3);
    expect(paced[1]! - paced[0]!).toBeGreaterThanOrEqual(950);
    expect(paced[2]! - paced[1]!).toBeGreaterThanOrEqual(950);
    expect(arrivals('C0FAST')[0]! - started).toBeLessThan(500);
  });

  it('hands a post back as RateLimitedError when the channel is booked beyond a short wait', async () => {
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((i) => (i % 2 ? one : two).post(place('C0BUSY'), card(`busy ${i}`))),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(1);
    const error = (refused[0] as PromiseRejectedResult).reason as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBeGreaterThan(2_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(3_000);
  });

  it('waits out a 429 for its Retry-After, holding back every process sending to that channel', async () => {
    slack.replyTo('chat.postMessage', {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { ok: false, error: 'ratelimited' },
    });
    const first = one.post(place('C0LIMIT'), card('limited'));
    await waitForCalls('chat.postMessage', (r) => (r.json as { channel: string }).channel === 'C0LIMIT', 1);
    const limitedAt = wallClock();
    // Another process updates a message in the paused channel, and another channel meanwhile.
    const other = await two.post(place('C0OTHER'), card('other channel'));
    const otherUpdate = two.update(other, card('other channel, updated'));
    await first;
    await otherUpdate;
    const posts = slack
      .calls('chat.postMessage')
      .filter((r) => (r.json as { channel: string }).channel === 'C0LIMIT');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    const update = slack
      .calls('chat.update')
      .find((r) => (r.json as { channel: string }).channel === 'C0OTHER')!;
    expect(update.at - limitedAt).toBeLessThan(500);
    expect(slack.message('C0LIMIT', (await first).id)).toBeDefined();
  });

  it('honours a Retry-After on an `ok:false` ratelimited answer for updates too', async () => {
    const ref = await one.post(place('C0LIMIT2'), card('to update'));
    slack.replyTo('chat.update', {
      status: 200,
      headers: { 'retry-after': '1' },
      body: { ok: false, error: 'ratelimited' },
    });
    await one.update(ref, card('updated after the limit'));
    const updates = slack.calls('chat.update').filter((r) => (r.json as { ts: string }).ts === ref.id);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.at - updates[0]!.at).toBeGreaterThanOrEqual(950);
    expect(shownText(slack.message('C0LIMIT2', ref.id))).toContain('updated after the limit');
  });

  it('gives up with RateLimitedError when Retry-After is longer than a worker should wait', async () => {
    slack.replyTo('chat.postMessage', {
      status: 429,
      headers: { 'retry-after': '120' },
      body: { ok: false, error: 'ratelimited' },
    });
    const error = await rejection(one.post(place('C0ERR'), card('too long')));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(120_000);
    // The channel stays paused for everyone: the next post is refused without calling Slack.
    const calls = slack.calls('chat.postMessage').length;
    const next = await rejection(two.post(place('C0ERR'), card('still paused')));
    expect(next).toBeInstanceOf(RateLimitedError);
    expect(slack.calls('chat.postMessage').length).toBe(calls);
  });

  it('maps Slack errors to Threadline error kinds with readable messages', async () => {
    const unknown = await rejection(one.post(place('C0NOWHERE'), card('lost')));
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown.message).toBe(
      'Slack chat.postMessage failed: channel_not_found (is the channel id right, and is the bot invited to it?)',
    );

    const wrongToken = await rejection(slackModule('xoxb-wrong-token').post(place('C0MAP1'), card('x')));
    expect(wrongToken).toBeInstanceOf(AuthError);
    expect(wrongToken.message).toContain('invalid_auth');
    expect(wrongToken.message).not.toContain('xoxb-wrong-token');

    const missing = await rejection(
      one.update({ ...place('C0MAP2'), id: '1.000001', platform: 'slack' }, card('x')),
    );
    expect(missing).toBeInstanceOf(NotFoundError);

    slack.replyTo('chat.postMessage', { body: { ok: false, error: 'internal_error' } });
    expect(await rejection(one.post(place('C0MAP3'), card('x')))).toBeInstanceOf(TransientError);
    slack.replyTo('chat.postMessage', { status: 502, body: 'bad gateway' });
    expect(await rejection(one.post(place('C0MAP4'), card('x')))).toBeInstanceOf(TransientError);
    slack.replyTo('chat.postMessage', { status: 200, body: '<html>maintenance</html>' });
    expect(await rejection(one.post(place('C0MAP5'), card('x')))).toBeInstanceOf(TransientError);
    slack.replyTo('chat.postMessage', { body: { ok: false, error: 'invalid_blocks' } });
    expect(await rejection(one.post(place('C0MAP6'), card('x')))).toBeInstanceOf(ValidationError);
  });
});

describe('Slack ephemeral messages', () => {
  it('answers through a fresh response_url, and through chat.postEphemeral once it is spent', async () => {
    const url = slack.responseUrl();
    await rememberResponseUrl(url);
    for (let i = 1; i <= 6; i++) await one.postEphemeral(replyTo('C0EPH', url), card(`ephemeral ${i}`));
    const viaUrl = slack.ephemerals.filter((e) => e.responseUrl === url);
    expect(viaUrl.map((e) => shownText(e).split('\n')[0])).toEqual([
      'ephemeral 1',
      'ephemeral 2',
      'ephemeral 3',
      'ephemeral 4',
      'ephemeral 5',
    ]);
    const body = slack.calls('chat.postEphemeral').at(-1)!.json as Record<string, unknown>;
    expect(body).toMatchObject({ channel: 'C0EPH', user: 'U123' });
    expect(shownText(body)).toContain('ephemeral 6');
    const first = slack.requests.find((r) => r.path.startsWith('/response/'))!;
    expect(first.json).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(first.headers.authorization).toBeUndefined();
  });

  it('uses chat.postEphemeral (in the thread) for a response_url it has not seen or Slack refuses', async () => {
    await one.postEphemeral(
      { ...replyTo('C0EPH', slack.responseUrl()), thread: '1700000000.000100' },
      card('unseen'),
    );
    let body = slack.calls('chat.postEphemeral').at(-1)!.json as Record<string, unknown>;
    expect(body).toMatchObject({ channel: 'C0EPH', user: 'U123', thread_ts: '1700000000.000100' });

    const expired = `${slack.baseUrl}/response/T0THREAD/expired`;
    await rememberResponseUrl(expired);
    await one.postEphemeral(replyTo('C0EPH', expired), card('expired'));
    body = slack.calls('chat.postEphemeral').at(-1)!.json as Record<string, unknown>;
    expect(shownText(body)).toContain('expired');
  });

  it('never posts to a response_url outside Slack', async () => {
    const foreign = 'https://hooks.example.com/commands/T0/1/abc';
    await rememberResponseUrl(foreign);
    await one.postEphemeral(replyTo('C0EPH', foreign), card('foreign'));
    expect(shownText(slack.calls('chat.postEphemeral').at(-1)!.json as Record<string, unknown>)).toContain(
      'foreign',
    );
  });
});

/** Ingress records response_urls as they arrive; the same Redis record is what the platform consults. */
async function rememberResponseUrl(url: string): Promise<void> {
  const { ResponseUrls } = await import('../../../src/platforms/slack/response-urls.js');
  const redis = opened[0]!.redis;
  await new ResponseUrls(redis, prefix, [new URL(slack.apiUrl).origin]).remember(url);
}

async function waitForCalls(
  method: string,
  filter: (r: ReturnType<FakeSlack['calls']>[number]) => boolean,
  count: number,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (slack.calls(method).filter(filter).length < count) {
    if (Date.now() > deadline) throw new Error(`no ${method} call`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
