import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLinearSignature } from '../../src/connectors/linear/hook.js';
import { BOT_USER_ID, FakeLinear, LINEAR_API_KEY, TEAM_ID } from '../fakes/linear.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { CHANNEL, postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const HOOK_SECRET = 'lin_wh_hook5ecret0123456789';

let slack: FakeSlack;
let linear: FakeLinear;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  linear = await FakeLinear.start();
  prefix = uniquePrefix('linear-hook');
  app = await startTestApp(
    testConfig(
      prefix,
      `${slackYaml(slack)}
integrations:
  linear:
    enabled: true
    api_url: "${linear.apiUrl}"
    api_key: "${LINEAR_API_KEY}"
    team_id: "${TEAM_ID}"
    webhook_secret: "\${LINEAR_WEBHOOK_SECRET}"
`,
      { LINEAR_WEBHOOK_SECRET: HOOK_SECRET },
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await linear?.close();
  await dropPrefix(prefix);
});

async function hook(body: unknown, secret = HOOK_SECRET) {
  const raw = JSON.stringify(body);
  const response = await request(`${app.app.url}/hooks/linear`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'linear-signature': createHmac('sha256', secret).update(raw).digest('hex'),
      'linear-delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72',
      'linear-event': 'Issue',
    },
    body: raw,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('Linear-Signature', () => {
  it('is the hex HMAC-SHA256 of the raw body (a vector computed with openssl dgst -sha256 -hmac)', () => {
    const body = Buffer.from('{"action":"update","type":"Issue","webhookTimestamp":1764400000000}');
    const signature = 'a19bbcb2b30e3be9050775596a6097d3d39cd27b1881ec2c3583b9b2434f98f2';
    expect(verifyLinearSignature('lin_wh_5ecret', body, signature)).toBe(true);
    expect(verifyLinearSignature('lin_wh_5ecret', body, signature.toUpperCase())).toBe(true);
    expect(verifyLinearSignature('another-secret', body, signature)).toBe(false);
    expect(verifyLinearSignature('lin_wh_5ecret', body, `sha256=${signature}`)).toBe(false);
    expect(verifyLinearSignature('lin_wh_5ecret', body, undefined)).toBe(false);
  });
});

describe('POST /hooks/linear', () => {
  it('shows a state change made in Linear on the ticket card in chat, and drops the change our own call made', async () => {
    await postSlack(
      app.app.url,
      slashForm('ticket create "Checkout returns 500"', { response_url: slack.responseUrl() }),
    );
    const parent = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('ENG-1')),
    );
    expect(shownText(parent)).toContain('Todo');

    // Someone moves the issue in Linear: the card follows.
    const moved = await hook(linear.move('ENG-1', 'In Progress'));
    expect(moved).toEqual({ status: 200, json: { updated: 1 } });
    const updated = slack.history(CHANNEL).find((m) => m.ts === parent.ts);
    expect(shownText(updated)).toContain('In Progress');
    const versions = updated?.versions.length;

    // Threadline's own move comes back as a webhook too; it is recognised and not applied again.
    const ours = await hook(linear.move('ENG-1', 'Done', BOT_USER_ID));
    expect(ours).toEqual({ status: 200, json: { ignored: 'our own change' } });
    expect(slack.history(CHANNEL).find((m) => m.ts === parent.ts)?.versions.length).toBe(versions);
    expect(linear.of('ThreadlineIssueUpdate')).toHaveLength(0);
  });

  it('refuses a body without a valid Linear-Signature', async () => {
    const response = await hook(linear.move('ENG-1', 'Todo'), 'wrong-secret');
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.json)).toContain('Linear-Signature');
  });

  it('refuses a signed delivery whose webhookTimestamp is more than a minute old (a replay)', async () => {
    const body = { ...linear.move('ENG-1', 'Todo'), webhookTimestamp: Date.now() - 61_000 };
    const response = await hook(body);
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.json)).toContain('webhookTimestamp');
  });

  it('acknowledges webhooks that are not state changes without acting on them', async () => {
    const response = await hook({
      action: 'create',
      type: 'Comment',
      data: { id: 'c-1', body: 'hi' },
      webhookTimestamp: Date.now(),
    });
    expect(response).toEqual({ status: 200, json: { ignored: 'not a status change' } });
  });
});
