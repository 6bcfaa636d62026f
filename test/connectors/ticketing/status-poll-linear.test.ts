import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLinear, LINEAR_API_KEY, TEAM_ID } from '../../fakes/linear.js';
import { FakeSlack } from '../../fakes/slack-api.js';
import { CHANNEL, postSlack, shownText, slackYaml, slashForm } from '../../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';

const HOOK_SECRET = 'lin_wh_hook5ecret0123456789';

let slack: FakeSlack;
let linear: FakeLinear;
let app: TestApp;
let prefix: string;
const redis = testRedis();

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  linear = await FakeLinear.start();
  prefix = uniquePrefix('linear-status-poll');
  // poll_resume_after 0: webhooks never pause the poll, so a change both could show meets both.
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
    poll_interval: 1s
    poll_resume_after: 0
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
  redis.disconnect();
});

async function ticks(): Promise<number> {
  return Number((await redis.hget(`${prefix}:tickets:linear:poll:state`, 'ticks')) ?? 0);
}

async function polls(count: number) {
  const from = await ticks();
  await waitFor(async () => (await ticks()) >= from + count, { what: `${count} polls` });
}

async function hook(body: unknown) {
  const raw = JSON.stringify(body);
  const response = await request(`${app.app.url}/hooks/linear`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'linear-signature': createHmac('sha256', HOOK_SECRET).update(raw).digest('hex'),
      'linear-event': 'Issue',
    },
    body: raw,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('Linear status polling', () => {
  it('keeps a ticket card in step with a move made in Linear, and shows each change once whether its webhook comes before or after the poll', async () => {
    await postSlack(
      app.app.url,
      slashForm('ticket create "Checkout returns 500"', { response_url: slack.responseUrl() }),
    );
    const parent = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('ENG-1')),
    );
    expect(shownText(parent)).toContain('Todo');
    const card = () => slack.history(CHANNEL).find((m) => m.ts === parent.ts);

    // Moved in Linear, its webhook held up: the poll brings it, once.
    const late = linear.move('ENG-1', 'In Progress');
    await waitFor(() => shownText(card()).includes('In Progress'), { what: 'the polled move on the card' });
    const versions = card()?.versions.length;
    await polls(2);
    expect(card()?.versions.length).toBe(versions);
    // The webhook of that move arrives after all: it is not shown a second time.
    expect(await hook({ ...late, webhookTimestamp: Date.now() })).toEqual({
      status: 200,
      json: { ignored: 'already shown' },
    });
    expect(card()?.versions.length).toBe(versions);

    // Moved with its webhook: the webhook shows it, and the polls after it find nothing new.
    const moved = await hook(linear.move('ENG-1', 'In Review'));
    expect(moved).toEqual({ status: 200, json: { updated: 1 } });
    expect(shownText(card())).toContain('In Review');
    await polls(2);
    expect(card()?.versions.length).toBe((versions ?? 0) + 1);
    expect(linear.of('ThreadlineIssueUpdate')).toHaveLength(0);
  });
});
