import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { FakeSlack } from '../../fakes/slack-api.js';
import { startTestApp } from '../../support/app.js';
import { PrivateRedis } from '../../support/private-redis.js';
import { waitFor } from '../../support/wait.js';
import { postSlack, RESPONDER, SIGNING_SECRET, shownText, slashForm } from './support.js';

/*
 * Slack gives up on a slash command after 3 s. Whatever Redis does, the command is answered in
 * time: with an error card when Redis refuses, with "still working" when it is merely slow.
 */

async function stalledApp(commandTimeoutMs: number) {
  const redis = await new PrivateRedis().start();
  const slack = await FakeSlack.start({ channels: ['C0STALL'] });
  const loaded = parseConfigText(
    `
redis: { url: "${redis.url}", prefix: "stall", command_timeout_ms: ${commandTimeoutMs} }
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
platforms:
  slack:
    enabled: true
    api_url: "${slack.apiUrl}"
    bot_token: "${slack.token}"
    signing_secret: "${SIGNING_SECRET}"
rbac: { roles: { responder: ["slack:${RESPONDER}"] } }
`,
    {},
  );
  const app = await startTestApp(loaded, 'ingress');
  return { redis, slack, app };
}

describe('Slack commands while Redis stalls', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  it('answers with an error card inside Slack’s 3 s when Redis stops answering', async () => {
    const { redis, slack, app } = await stalledApp(1_000);
    cleanup.push(
      () => redis.kill(),
      () => slack.close(),
      async () => {
        redis.resume();
        await app.close();
      },
    );
    redis.pause();
    const answer = await postSlack(
      app.app.url,
      slashForm('page payments "redis is stuck"', { channel_id: 'C0STALL' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(3_000);
    expect(answer.json.response_type).toBe('ephemeral');
    expect(shownText(answer.json)).toContain('Threadline could not take this request right now');
  });

  it('answers "still working" in time when Redis is only slow, and the answer follows through response_url', async () => {
    const { redis, slack, app } = await stalledApp(6_000);
    cleanup.push(
      () => redis.kill(),
      () => slack.close(),
      async () => {
        redis.resume();
        await app.close();
      },
    );
    const responseUrl = slack.responseUrl();
    redis.pause();
    setTimeout(() => redis.resume(), 3_500).unref();
    const answer = await postSlack(
      app.app.url,
      slashForm('help ack', { channel_id: 'C0STALL', response_url: responseUrl }),
    );
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(3_000);
    expect(shownText(answer.json)).toContain('Still working on it');
    const late = await waitFor(() => slack.ephemerals.find((e) => e.responseUrl === responseUrl), {
      timeoutMs: 10_000,
      what: 'the late answer',
    });
    expect(shownText(late)).toContain('/ops ack <incident-id>');
  });
});
