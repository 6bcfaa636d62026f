import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../fakes/slack-api.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { postSlack, shownText, slackYaml, slashForm } from './support.js';

let slack: FakeSlack;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: ['C0HERE'] });
  prefix = uniquePrefix('slack-fail');
  app = await startTestApp(testConfig(prefix, slackYaml(slack)));
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

describe('Slack failures in the worker', () => {
  it('fails a queued command readably when Slack says channel_not_found, and keeps serving', async () => {
    const responseUrl = slack.responseUrl();
    const ack = await postSlack(
      app.app.url,
      slashForm('page payments "nobody can see this"', { channel_id: 'C0GONE', response_url: responseUrl }),
    );
    expect(ack.status).toBe(200);
    expect(shownText(ack.json)).toContain('⏳ Paging payments');

    const report = await waitFor(
      () => slack.ephemerals.find((e) => e.responseUrl === responseUrl && shownText(e).includes('failed')),
      { timeoutMs: 25_000, intervalMs: 100, what: 'the failure report' },
    );
    expect(shownText(report)).toMatch(
      /\/ops page failed after \d attempt\(s\): Slack chat\.postMessage failed: channel_not_found \(is the channel id right, and is the bot invited to it\?\)/,
    );
    const failed = await app.app.chat!.actionsQueue('slack').getFailed();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.failedReason).toContain('channel_not_found');
    // Neither the bot token nor the response_url (a short-lived credential) reaches the logs.
    expect(app.logs()).not.toContain(slack.token);
    expect(app.logs()).not.toContain(new URL(responseUrl).pathname);

    const help = await postSlack(app.app.url, slashForm('help', { channel_id: 'C0HERE' }));
    expect(help.status).toBe(200);
    expect(help.json.response_type).toBe('ephemeral');
  });
});
