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
import { SLACK_LIMITS } from '../../src/platforms/slack/limits.js';
import { blockProblem, FakeSlack, type SlackMessageJson } from '../fakes/slack-api.js';
import { stored } from './support.js';

const ZWSP = '\u200B';
const http = new HttpClient({ allowPrivateNetworks: true });
let slack: FakeSlack;

beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterEach(() => {
  slack.requests.length = 0;
});
afterAll(async () => {
  await slack.close();
  await http.close();
});

const context = { deliveryId: 'dlv-1', attempt: 1 };

async function connector(slackBlock: string, platforms = ''): Promise<Connector> {
  const { config } = parseConfigText(
    `
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
queue: { retry_count: 4, request_timeout_ms: 3000 }
${platforms}
integrations:
  slack:
${slackBlock}
`,
    {},
  );
  const found = (await ConnectorRegistry.fromConfig(config, { http })).get('slack');
  if (!found) throw new Error('slack connector not built');
  return found;
}

function webhookConnector(extra = ''): Promise<Connector> {
  return connector(`    enabled: true
    webhook_url: "${slack.webhookUrl}"
    notify_on: [implementation_started, implementation_completed, implementation_failed]
    mention_on_failure: ["@channel", "<@U123ABC>", "<!subteam^S0PLATFORM>"]
${extra}`);
}

function botConnector(token = slack.token, channel = '#engineering'): Promise<Connector> {
  return connector(
    `    enabled: true
    channel: "${channel}"
    webhook_url: "${slack.webhookUrl}"
    notify_on: [implementation_failed]`,
    `platforms: { slack: { api_url: "${slack.apiUrl}", bot_token: "${token}" } }`,
  );
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
  spec,
  pr: { number: 42, url: 'https://github.com/acme/app/pull/42' },
  review_requested: ['@team'],
});
const failed = stored({
  event: 'implementation_failed',
  spec,
  error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
});

function allTexts(message: SlackMessageJson): string[] {
  const texts = [message.text ?? ''];
  for (const block of message.blocks ?? []) {
    if (block.text) texts.push(block.text.text);
    for (const f of block.fields ?? []) texts.push(f.text);
    for (const e of block.elements ?? []) texts.push(e.text);
  }
  return texts;
}

describe('Slack connector over the incoming webhook', () => {
  it('is built from config with the registry’s retry and timeout settings', async () => {
    const c = await webhookConnector('    retry_count: 7');
    expect(c.key).toBe('slack');
    expect(c.humanFacing).toBe(true);
    expect(c.retryCount).toBe(7);
    expect(c.timeoutMs).toBe(3000);
    expect((await webhookConnector()).retryCount).toBe(4);
  });

  it('accepts only the events in notify_on', async () => {
    const c = await webhookConnector();
    expect(c.accepts('implementation_failed')).toBe(true);
    expect(c.accepts('spec_created')).toBe(false);
  });

  it('posts the guide’s "Implementation Started" message as fallback text and Block Kit', async () => {
    const receipt = await (await webhookConnector()).deliver(started, context);
    expect(receipt.summary).toMatch(/incoming webhook/);
    const message = slack.messages()[0] as SlackMessageJson;
    expect(slack.last().headers['content-type']).toMatch(/application\/json/);
    expect(message.text).toBe(
      '🚀 Spec Implementation Started\n• ID: FEAT-0001\n• Title: User Authentication\n• Branch: spec/feat-0001',
    );
    expect(message.blocks?.[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🚀 Spec Implementation Started', emoji: true },
    });
    expect(message.blocks?.[1]?.fields?.map((f) => f.text)).toEqual([
      '*ID*\nFEAT-0001',
      '*Title*\nUser Authentication',
      '*Branch*\nspec/feat-0001',
    ]);
  });

  it('posts the guide’s "Implementation Completed" message with the PR link', async () => {
    await (await webhookConnector()).deliver(completed, context);
    const message = slack.messages()[0] as SlackMessageJson;
    expect(message.text).toBe(
      '✅ Spec Implementation Completed\n• ID: FEAT-0001\n• Title: User Authentication\n• PR: #42\n' +
        '• Review requested from: @team\n<https://github.com/acme/app/pull/42|View PR>',
    );
    expect(message.text).not.toContain('<!');
  });

  it('posts the guide’s "Implementation Failed" message with the logs link and the configured mentions', async () => {
    await (await webhookConnector()).deliver(failed, context);
    const message = slack.messages()[0] as SlackMessageJson;
    expect(message.text).toBe(
      '<!channel> <@U123ABC> <!subteam^S0PLATFORM> ❌ Spec Implementation Failed\n• ID: FEAT-0001\n' +
        '• Title: User Authentication\n• Error: Schema validation failed\n' +
        '• Logs: <https://ci.example.com/runs/7|View Details>',
    );
    expect(message.blocks?.[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '<!channel> <@U123ABC> <!subteam^S0PLATFORM>' },
    });
  });

  it('mentions people only for failures', async () => {
    const c = await webhookConnector();
    await c.deliver(started, context);
    await c.deliver(completed, context);
    for (const message of slack.messages()) {
      for (const text of allTexts(message)) expect(text).not.toMatch(/<!channel>|<@U123ABC>|<!subteam/);
    }
  });

  it('never lets event text produce a mention, a broadcast or a disguised link', async () => {
    const attack = stored({
      event: 'implementation_completed',
      spec: {
        id: 'FEAT-<!here>',
        title: '<!channel> [click](http://evil.example) <http://evil.example|ok> @everyone',
      },
      branch: '<@U999> &lt;!here&gt;',
      review_requested: ['@here', '<!subteam^S1>'],
      error: '<!everyone> @channel',
    });
    await (await webhookConnector()).deliver(attack, context);
    const message = slack.messages()[0] as SlackMessageJson;
    for (const text of allTexts(message)) {
      expect(text).not.toMatch(/<!|<@|<http:\/\/evil/);
      expect(text).not.toMatch(/@(everyone|here|channel)/);
    }
    expect(message.text).toContain(`&lt;http://evil.example|ok&gt; @${ZWSP}everyone`);
  });

  it('cuts oversized fields visibly and stays inside Block Kit limits', async () => {
    const huge = stored({
      event: 'implementation_failed',
      spec: { id: 'FEAT-0001', title: 'T'.repeat(1000) },
      error: `<${'E'.repeat(9000)}`,
      review_requested: Array.from({ length: 50 }, (_, i) => `reviewer-with-a-long-name-${i}`),
    });
    await (await webhookConnector()).deliver(huge, context);
    const message = slack.messages()[0] as SlackMessageJson;
    expect(blockProblem(message.blocks)).toBeUndefined();
    const errorBlock = message.blocks?.find((b) => b.text?.text.startsWith('*Error*'));
    expect(errorBlock?.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(errorBlock?.text?.text.endsWith('…')).toBe(true);
    expect(errorBlock?.text?.text).toContain('&lt;EEE');
    expect(message.text?.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    expect(message.text?.endsWith('…')).toBe(true);
  });

  it('sends a digest of held events as one message', async () => {
    const receipt = await (await webhookConnector()).deliverDigest?.([started, failed], context);
    expect(receipt?.summary).toBeDefined();
    expect(slack.requests).toHaveLength(1);
    const message = slack.messages()[0] as SlackMessageJson;
    expect(message.text).toContain('📨 2 notifications held by the rate limit');
    expect(message.text).toContain(
      '🚀 Spec Implementation Started: FEAT-0001\n❌ Spec Implementation Failed: FEAT-0001',
    );
    expect(message.text?.startsWith('<!channel>')).toBe(true);
  });

  it('maps webhook answers to error kinds', async () => {
    const c = await webhookConnector();
    slack.reply({ status: 400, body: 'invalid_payload' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(ValidationError);
    slack.reply({ status: 403, body: 'invalid_token' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(AuthError);
    slack.reply({ status: 404, body: 'channel_not_found' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(NotFoundError);
    slack.reply({ status: 500, body: 'rollup_error' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(TransientError);
    slack.reply({ status: 429, headers: { 'retry-after': '12' }, body: 'rate_limited' });
    const limited = await rejection(c.deliver(started, context));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(12_000);
  });

  it('delivers after transient failures once Slack recovers', async () => {
    const c = await webhookConnector();
    slack.failTimes(2, { status: 503, body: 'service_unavailable' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(TransientError);
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(TransientError);
    await expect(c.deliver(started, context)).resolves.toMatchObject({ summary: expect.any(String) });
    expect(slack.requests).toHaveLength(3);
  });

  it('reports its route in check() without sending anything', async () => {
    await expect((await webhookConnector()).check()).resolves.toEqual({
      ok: true,
      detail: 'incoming webhook configured; 3 event(s)',
    });
    expect(slack.requests).toHaveLength(0);
  });
});

describe('Slack connector over chat.postMessage', () => {
  it('prefers chat.postMessage with the bot token when a channel is set', async () => {
    const receipt = await (await botConnector()).deliver(failed, context);
    expect(slack.requests).toHaveLength(1);
    const request = slack.last();
    expect(request.path).toBe('/api/chat.postMessage');
    expect(request.headers.authorization).toBe(`Bearer ${slack.token}`);
    const body = request.json as SlackMessageJson;
    expect(body.channel).toBe('#engineering');
    expect(body.unfurl_links).toBe(false);
    expect(body.text).toContain('❌ Spec Implementation Failed');
    expect(body.blocks?.length).toBeGreaterThan(0);
    expect(receipt.reference).toMatch(/^\d+\.\d{6}$/);
    expect(receipt.summary).toContain('#engineering');
  });

  it('says where it posts in check()', async () => {
    await expect((await botConnector()).check()).resolves.toEqual({
      ok: true,
      detail: 'chat.postMessage to #engineering; 1 event(s)',
    });
  });

  it('maps ok:false errors to error kinds', async () => {
    expect(await rejection((await botConnector('xoxb-wrong')).deliver(failed, context))).toBeInstanceOf(
      AuthError,
    );
    expect(
      await rejection((await botConnector(slack.token, '#missing')).deliver(failed, context)),
    ).toBeInstanceOf(NotFoundError);
    const c = await botConnector();
    for (const error of ['not_authed', 'token_revoked', 'account_inactive']) {
      slack.reply({ status: 200, body: { ok: false, error } });
      expect(await rejection(c.deliver(failed, context))).toBeInstanceOf(AuthError);
    }
    slack.reply({ status: 200, body: { ok: false, error: 'not_in_channel' } });
    expect(await rejection(c.deliver(failed, context))).toBeInstanceOf(NotFoundError);
    slack.reply({ status: 200, body: { ok: false, error: 'invalid_blocks' } });
    expect(await rejection(c.deliver(failed, context))).toBeInstanceOf(ValidationError);
    slack.reply({ status: 200, body: { ok: false, error: 'msg_too_long' } });
    expect(await rejection(c.deliver(failed, context))).toBeInstanceOf(ValidationError);
    slack.reply({ status: 500, body: 'oops' });
    expect(await rejection(c.deliver(failed, context))).toBeInstanceOf(TransientError);
  });

  it('honours Retry-After when Slack rate-limits chat.postMessage', async () => {
    const c = await botConnector();
    slack.reply({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } });
    const viaStatus = await rejection(c.deliver(failed, context));
    expect(viaStatus).toBeInstanceOf(RateLimitedError);
    expect((viaStatus as RateLimitedError).retryAfterMs).toBe(30_000);
    slack.reply({ status: 200, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } });
    const viaBody = await rejection(c.deliver(failed, context));
    expect(viaBody).toBeInstanceOf(RateLimitedError);
    expect((viaBody as RateLimitedError).retryAfterMs).toBe(3_000);
  });

  it('never puts the webhook URL or the bot token into errors or receipts', async () => {
    const said: string[] = [];
    const web = await webhookConnector();
    const bot = await botConnector();
    said.push((await web.deliver(started, context)).summary, (await bot.deliver(failed, context)).summary);
    for (const reply of [
      { status: 400, body: `invalid_payload ${slack.webhookUrl}` },
      { status: 403, body: 'invalid_token' },
      { status: 500, body: 'x' },
    ]) {
      slack.reply(reply);
      said.push((await rejection(web.deliver(started, context))).message);
    }
    said.push(
      (await rejection((await botConnector('xoxb-wrong-but-secret-token')).deliver(failed, context))).message,
    );
    slack.reply({ status: 200, body: { ok: false, error: 'channel_not_found' } });
    said.push((await rejection(bot.deliver(failed, context))).message);
    const closed = await FakeSlack.start();
    const closedUrl = closed.webhookUrl;
    await closed.close();
    const unreachable = await connector(`    enabled: true
    webhook_url: "${closedUrl}"
    notify_on: [implementation_started]`);
    said.push((await rejection(unreachable.deliver(started, context))).message);

    const secretPath = new URL(slack.webhookUrl).pathname;
    for (const text of said) {
      expect(text).not.toContain(secretPath.slice(1));
      expect(text).not.toContain(slack.token);
      expect(text).not.toContain('xoxb-wrong-but-secret-token');
      expect(text).not.toContain(new URL(closedUrl).pathname);
    }
  });
});
