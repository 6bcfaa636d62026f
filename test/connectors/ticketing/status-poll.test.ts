import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../../src/security/signing.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../../fakes/jira.js';
import { FakeSlack } from '../../fakes/slack-api.js';
import { CHANNEL, shownText, slackYaml } from '../../platforms/slack/support.js';
import { specEvent, startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';

const HOOK_SECRET = 'jira-webhook-secret-0123456789';

let slack: FakeSlack;
let jira: FakeJira;
let app: TestApp;
let prefix: string;
const redis = testRedis();

function config() {
  return testConfig(
    prefix,
    `${slackYaml(slack)}
integrations:
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${JIRA_TOKEN}"
    project_key: "PROJ"
    transition_on_implement: "31"
    webhook_secret: "\${JIRA_WEBHOOK_SECRET}"
    poll_interval: 1s
    poll_resume_after: 1h
  slack:
    enabled: true
    channel: "${CHANNEL}"
    notify_on: [spec_created]
`,
    { JIRA_WEBHOOK_SECRET: HOOK_SECRET },
  );
}

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  jira = await FakeJira.start();
  prefix = uniquePrefix('jira-status-poll');
  app = await startTestApp(config());
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await jira?.close();
  await dropPrefix(prefix);
  redis.disconnect();
});

/** The status poll's record of Jira: how many ticks have run, and what the last one did. */
async function pollRecord(): Promise<{ ticks: number; outcome?: string }> {
  const raw = await redis.hgetall(`${prefix}:tickets:jira:poll:state`);
  return { ticks: Number(raw.ticks ?? 0), ...(raw.outcome ? { outcome: raw.outcome } : {}) };
}

/** Waits until `count` more ticks have run: polls that have certainly happened. */
async function polls(count: number) {
  const from = (await pollRecord()).ticks;
  await waitFor(async () => (await pollRecord()).ticks >= from + count, { what: `${count} polls` });
}

function told(threadTs: string): string[] {
  return slack
    .replies(CHANNEL, threadTs)
    .map((m) => shownText(m))
    .filter((text) => text.includes(' moved to ') && text.includes('in Jira'));
}

async function hook(body: unknown) {
  const raw = JSON.stringify(body);
  const response = await request(`${app.app.url}/hooks/jira`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signatureHeader(HOOK_SECRET, raw) },
    body: raw,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('Jira status polling: a change made in Jira reaches chat without its webhook', () => {
  it("tells the spec's thread of a move made in Jira within a poll, once; nothing again after a restart; never its own move", async () => {
    await app.post(specEvent('spec_created', 'poll-jira-1'));
    const thread = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('FEAT-0001')),
    );
    const issue = await waitFor(() =>
      [...jira.issues.values()].find((i) => i.fields.summary.startsWith('FEAT-0001')),
    );
    await waitFor(async () => (await redis.get(`${prefix}:tickets:jira:spec-of:${issue.key}`)) !== null);

    // Someone moves the issue in Jira, and Jira's webhook never arrives.
    jira.move(issue.key, 'In Progress');
    const reply = await waitFor(() => told(thread.ts).find((t) => t.includes('moved to In Progress')));
    expect(reply).toContain(issue.key);
    await polls(2);
    expect(told(thread.ts)).toHaveLength(1);

    // A restarted process remembers what was seen: nothing is announced again.
    const reads = jira.of('getIssue').length;
    await app.close();
    app = await startTestApp(config());
    await polls(2);
    expect(jira.of('getIssue').length).toBeGreaterThan(reads);
    expect(told(thread.ts)).toHaveLength(1);

    // Threadline moves the issue itself (implementation_completed → transition 31): not announced.
    await app.post(specEvent('implementation_completed', 'poll-jira-2'));
    await waitFor(() => jira.statusOf(issue.key) === 'Done', { what: 'our own move' });
    await polls(2);
    expect(told(thread.ts)).toHaveLength(1);
    // Polling only reads: the one transition is the one our event made.
    expect(jira.of('doTransition')).toHaveLength(1);
    // A done issue is not read any more.
    expect(await redis.zscore(`${prefix}:tickets:jira:poll:open`, issue.key)).toBeNull();
  });

  it('stops reading Jira once a verified Jira webhook arrives', async () => {
    await app.post(
      specEvent('spec_created', 'poll-jira-3', { spec: { id: 'FEAT-0002', title: 'Password reset' } }),
    );
    const thread = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('FEAT-0002')),
    );
    const issue = await waitFor(() =>
      [...jira.issues.values()].find((i) => i.fields.summary.startsWith('FEAT-0002')),
    );
    // The new issue is being read by the poll.
    const polled = jira.of('getIssue').length;
    await waitFor(() => jira.of('getIssue').length > polled, { what: 'a status read' });
    // A webhook that is not a status change still shows that Jira's webhooks reach us.
    const answer = await hook({ webhookEvent: 'comment_created', comment: { id: '1' } });
    expect(answer.status).toBe(200);
    await waitFor(async () => (await pollRecord()).outcome === 'paused', { what: 'a paused tick' });
    const reads = jira.of('getIssue').length;

    // A move in Jira now is left to its webhook: the poll does not read the issue.
    jira.move(issue.key, 'To Do');
    await polls(2);
    expect((await pollRecord()).outcome).toBe('paused');
    expect(jira.of('getIssue')).toHaveLength(reads);
    expect(told(thread.ts).some((t) => t.includes('moved to To Do'))).toBe(false);
  });
});
