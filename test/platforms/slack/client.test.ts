import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockedDestinationError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../../src/core/errors.js';
import { HttpClient } from '../../../src/net/http-client.js';
import { SlackApi } from '../../../src/platforms/slack/client.js';
import { FakeSlack } from '../../fakes/slack-api.js';

/*
 * The Web API client is Slack's WebClient behind our mapping: these are the guarantees the
 * mapping keeps that the platform tests do not reach (the SSRF guard, the deadline, no retries
 * of its own, answers that are not Slack's).
 */

let slack: FakeSlack;
const http = new HttpClient({ allowPrivateNetworks: true });

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: ['C0API'] });
});
afterEach(() => slack.clear());
afterAll(async () => {
  await slack.close();
  await http.close();
});

function api(timeoutMs = 3000, client = http): SlackApi {
  return new SlackApi(client, slack.apiUrl, slack.token, timeoutMs);
}

const message = { channel: 'C0API', text: 'hello' };

describe('Slack Web API client', () => {
  it('posts with the bot token to platforms.slack.api_url and returns Slack’s result', async () => {
    const result = await api().call('chat.postMessage', {
      ...message,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
      unfurl_links: false,
    });
    expect(result.ts).toMatch(/^\d+\.\d{6}$/);
    const request = slack.calls('chat.postMessage')[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${slack.token}`);
    expect(request.headers['user-agent']).toBe('Threadline-Slack/1');
    expect(request.json).toMatchObject({
      channel: 'C0API',
      unfurl_links: false,
      blocks: [{ type: 'section' }],
    });
  });

  it('refuses a private api_url unless security.allow_private_networks is set', async () => {
    const guarded = new HttpClient({ allowPrivateNetworks: false });
    try {
      await expect(api(3000, guarded).call('chat.postMessage', message)).rejects.toBeInstanceOf(
        BlockedDestinationError,
      );
      expect(slack.requests).toHaveLength(0);
    } finally {
      await guarded.close();
    }
  });

  it('fails a call Slack does not answer within the request timeout, as worth retrying', async () => {
    slack.reply({ hang: true });
    const started = Date.now();
    const call = api(300).call('chat.postMessage', message);
    await expect(call).rejects.toBeInstanceOf(TransientError);
    await expect(call).rejects.toThrow('300 ms');
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('never retries or waits by itself: one request per call, whatever Slack answers', async () => {
    const client = api();
    slack.reply({ status: 503, body: 'unavailable' });
    await expect(client.call('chat.postMessage', message)).rejects.toBeInstanceOf(TransientError);
    slack.reply({ status: 429, headers: { 'retry-after': '60' }, body: { ok: false, error: 'ratelimited' } });
    const started = Date.now();
    const limited = client.call('chat.postMessage', message);
    await expect(limited).rejects.toBeInstanceOf(RateLimitedError);
    await expect(limited).rejects.toMatchObject({ retryAfterMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slack.calls('chat.postMessage')).toHaveLength(2);
  });

  it('treats a 429 without Retry-After as rate limited for a second', async () => {
    slack.reply({ status: 429, body: 'slow down' });
    const call = api().call('chat.update', message);
    await expect(call).rejects.toBeInstanceOf(RateLimitedError);
    await expect(call).rejects.toMatchObject({ retryAfterMs: 1_000 });
  });

  it('takes a 200 that is not a Slack result (a proxy’s page) as worth retrying, without echoing it', async () => {
    slack.reply({ status: 200, body: `<html>gateway says ${slack.token}</html>` });
    const call = api().call('chat.postMessage', message);
    await expect(call).rejects.toBeInstanceOf(TransientError);
    await expect(call).rejects.toThrow(/^Slack chat\.postMessage answered with a body that is not JSON$/);
  });

  it('refuses a redirect instead of following it', async () => {
    slack.reply({ status: 302, headers: { location: 'http://169.254.169.254/' }, body: '' });
    const call = api().call('chat.postMessage', message);
    await expect(call).rejects.toBeInstanceOf(ValidationError);
    await expect(call).rejects.toBeInstanceOf(BlockedDestinationError);
    expect(slack.requests).toHaveLength(1);
  });
});
