import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../src/security/signing.js';
import { BOT_ACCOUNT_ID, FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { CHANNEL, postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const HOOK_SECRET = 'jira-webhook-secret-0123456789';

let slack: FakeSlack;
let jira: FakeJira;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  jira = await FakeJira.start();
  prefix = uniquePrefix('jira-hook');
  app = await startTestApp(
    testConfig(
      prefix,
      `${slackYaml(slack)}
integrations:
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${JIRA_TOKEN}"
    project_key: "PROJ"
    webhook_secret: "\${JIRA_WEBHOOK_SECRET}"
  slack:
    enabled: true
    channel: "${CHANNEL}"
    notify_on: [spec_created]
`,
      { JIRA_WEBHOOK_SECRET: HOOK_SECRET },
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await jira?.close();
  await dropPrefix(prefix);
});

async function hook(body: unknown, secret = HOOK_SECRET) {
  const raw = JSON.stringify(body);
  const response = await request(`${app.app.url}/hooks/jira`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signatureHeader(secret, raw) },
    body: raw,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('POST /hooks/jira', () => {
  it('shows a status change made in Jira on the ticket card in chat, and drops the change our own call made', async () => {
    await postSlack(
      app.app.url,
      slashForm('ticket create "Checkout returns 500"', { response_url: slack.responseUrl() }),
    );
    const parent = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('PROJ-1')),
    );
    expect(shownText(parent)).toContain('To Do');

    // Someone moves the issue in Jira: the card follows.
    const moved = await hook(jira.move('PROJ-1', 'In Progress'));
    expect(moved).toEqual({ status: 200, json: { updated: 1 } });
    const updated = slack.history(CHANNEL).find((m) => m.ts === parent.ts);
    expect(shownText(updated)).toContain('In Progress');
    const versions = updated?.versions.length;

    // Threadline's own move comes back as a webhook too; it is recognised and not applied again.
    const ours = await hook(jira.move('PROJ-1', 'Done', BOT_ACCOUNT_ID));
    expect(ours).toEqual({ status: 200, json: { ignored: 'our own change' } });
    expect(slack.history(CHANNEL).find((m) => m.ts === parent.ts)?.versions.length).toBe(versions);
    expect(jira.of('doTransition')).toHaveLength(0);
  });

  it('refuses a body without a valid X-Hub-Signature', async () => {
    const response = await hook(jira.move(jira.seed({ summary: 'Forged' }).key, 'Done'), 'wrong-secret');
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.json)).toContain('X-Hub-Signature');
  });

  it('acknowledges webhooks that are not status changes without acting on them', async () => {
    const response = await hook({ webhookEvent: 'comment_created', comment: { id: '1' } });
    expect(response).toEqual({ status: 200, json: { ignored: 'not a status change' } });
  });

  it('answers a change to an issue Threadline cannot read with the reason, so Jira does not retry it', async () => {
    const body = jira.move(jira.seed({ summary: 'Soon deleted' }).key, 'Done');
    jira.issues.clear();
    const response = await hook(body);
    expect(response.status).toBe(200);
    expect(String(response.json.ignored)).toContain('Jira answered 404');
  });

  it("tells the spec's thread when the spec's ticket moves in Jira, once per change, and sends nothing back to Jira", async () => {
    await app.post(specEvent('spec_created', 'jira-hook-spec-1'));
    const thread = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('FEAT-0001')),
    );
    const issue = await waitFor(() =>
      [...jira.issues.values()].find((i) => i.fields.summary.startsWith('FEAT-0001')),
    );
    // The ticket is the spec's once its link is stored, which the delivery does right after creating it.
    const redis = testRedis();
    await waitFor(
      async () => (await redis.get(`${prefix}:tickets:jira:spec-of:${issue.key}`)) === 'FEAT-0001',
    );
    redis.disconnect();
    // /ops ticket create --spec finds the spec's issue and shows its card in the spec's thread.
    await postSlack(
      app.app.url,
      slashForm('ticket create "User Authentication" --spec FEAT-0001', {
        response_url: slack.responseUrl(),
      }),
    );
    const ticketReply = await waitFor(() =>
      slack.replies(CHANNEL, thread.ts).find((m) => shownText(m).includes(`${issue.key}:`)),
    );
    expect(shownText(ticketReply)).toContain('To Do');
    const before = jira.requests.length;

    const body = jira.move(issue.key, 'In Progress');
    const moved = await hook(body);
    expect(moved.status).toBe(200);
    expect(moved.json).toHaveProperty('updated');
    const reply = await waitFor(() =>
      slack
        .replies(CHANNEL, thread.ts)
        .find((m) => shownText(m).includes(`${issue.key} moved to In Progress`)),
    );
    expect(shownText(reply)).toContain('Jira');
    // The ticket's card in the spec's thread shows the new status too.
    expect(shownText(slack.message(CHANNEL, ticketReply.ts))).toContain('In Progress');

    // Jira retries a delivery it did not see answered: the same change is not told twice.
    expect(await hook(body)).toEqual({ status: 200, json: { ignored: 'already shown' } });
    const told = slack.replies(CHANNEL, thread.ts).filter((m) => shownText(m).includes('moved to'));
    expect(told).toHaveLength(1);

    // Nothing went back to Jira: at most a read of the issue for its link.
    const caused = jira.requests.slice(before);
    expect(caused.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(jira.of('doTransition')).toHaveLength(0);
  });
});
