import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventPayload, type StoredEvent } from '../../src/core/payload.js';
import { FakeGitHub, GITHUB_TOKEN, OWNER, REPO } from '../fakes/github.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { FakeSlack, type StoredMessage } from '../fakes/slack-api.js';
import { CHANNEL, shownText, slackYaml } from '../platforms/slack/support.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/** The spec's thread in the channel: its parent card, found by the spec id. */
function specThread(slack: FakeSlack, specId = 'FEAT-0001'): StoredMessage | undefined {
  return slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes(specId));
}

function openedReplies(slack: FakeSlack, parent: StoredMessage): StoredMessage[] {
  return slack.replies(CHANNEL, parent.ts).filter((m) => shownText(m).includes(' opened in '));
}

/** An accepted event as the delivery jobs carry it, for running one delivery again by hand. */
function storedEvent(body: Record<string, unknown>): StoredEvent {
  const id = String(body.id);
  const timestamp = '2026-11-29T10:00:00Z';
  const payload = EventPayload.parse({ ...body, timestamp });
  return { id, receivedAt: Date.now(), payload: { ...payload, id, timestamp } };
}

/** A fake Slack and Jira, and the app with Jira and the Slack bot following `notifyOn`. */
async function startJiraAndSlack(
  prefix: string,
  notifyOn: string,
): Promise<{ slack: FakeSlack; jira: FakeJira; app: TestApp }> {
  const slack = await FakeSlack.start({ channels: [CHANNEL] });
  const jira = await FakeJira.start();
  const app = await startTestApp(
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
  slack:
    enabled: true
    channel: "${CHANNEL}"
    notify_on: [${notifyOn}]
`,
    ),
  );
  return { slack, jira, app };
}

describe("a spec's ticket in the spec's chat thread (Jira and the Slack bot)", () => {
  let slack: FakeSlack;
  let jira: FakeJira;
  let app: TestApp;
  const prefix = uniquePrefix('spec-thread-jira');

  beforeAll(async () => {
    ({ slack, jira, app } = await startJiraAndSlack(
      prefix,
      'spec_created, spec_approved, implementation_started',
    ));
  });

  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await jira?.close();
    await dropPrefix(prefix);
  });

  it('opens one Jira issue for spec_created and says so once in the spec’s thread, with the issue’s link', async () => {
    const created = specEvent('spec_created', 'spec-thread-1');
    expect((await app.post(created)).status).toBe(202);
    const parent = await waitFor(() => specThread(slack), { what: "the spec's thread" });
    const opened = await waitFor(() => openedReplies(slack, parent)[0], { what: 'the opened reply' });
    expect(jira.issues.size).toBe(1);
    const issue = [...jira.issues.values()][0]!;
    expect(shownText(opened)).toContain(`🎫 ${issue.key} opened in Jira`);
    expect(shownText(opened)).toContain(`/browse/${issue.key}`);
    // The spec's own card went to the same thread: the opened reply sits beside it, not in a thread of its own.
    await waitFor(
      () => slack.replies(CHANNEL, parent.ts).some((m) => shownText(m).includes('Spec Created')),
      {
        what: 'the spec_created card in the thread',
      },
    );

    // The tracker's delivery and the chat delivery are both done again, as a dead letter's replay
    // does: the issue is found, not opened again, and the thread is not told a second time.
    const again = storedEvent(created);
    const jiraAgain = await app.app.registry
      .get('jira')!
      .deliver(again, { deliveryId: 'spec-thread-1.jira', attempt: 1 });
    expect(jiraAgain.reference).toBe(issue.key);
    await app.app.registry.get('slack')!.deliver(again, { deliveryId: 'spec-thread-1.slack', attempt: 1 });
    expect(jira.issues.size).toBe(1);
    expect(openedReplies(slack, parent)).toHaveLength(1);
  });

  it('shows the spec’s ticket on the cards of later spec events, in the thread and on its parent card', async () => {
    const issue = [...jira.issues.values()][0]!;
    await app.post(specEvent('spec_approved', 'spec-thread-2'));
    const parent = specThread(slack)!;
    const approved = await waitFor(
      () => slack.replies(CHANNEL, parent.ts).find((m) => shownText(m).includes('Spec Approved')),
      { what: 'the spec_approved card' },
    );
    expect(shownText(approved)).toContain(`Tickets: Jira ${issue.key}`);
    expect(shownText(approved)).toContain(`Open ${issue.key}`);
    await waitFor(() => shownText(slack.message(CHANNEL, parent.ts)).includes(`Jira ${issue.key}`), {
      what: 'the parent card naming the ticket',
    });
    expect(openedReplies(slack, parent)).toHaveLength(1);
  });

  it('leaves the Tickets field off the cards of a spec no tracker has a ticket for', async () => {
    await app.post(
      specEvent('implementation_started', 'spec-thread-3', { spec: { id: 'FEAT-0404', title: 'No ticket' } }),
    );
    const parent = await waitFor(() => specThread(slack, 'FEAT-0404'), { what: 'the FEAT-0404 thread' });
    const card = await waitFor(() => slack.replies(CHANNEL, parent.ts)[0], { what: 'its card' });
    expect(shownText(card)).toContain('Implementation Started');
    expect(shownText(card)).not.toContain('Tickets');
    expect(jira.issues.size).toBe(1);
  });
});

describe('a ticket opened before any thread showed the spec', () => {
  let slack: FakeSlack;
  let jira: FakeJira;
  let app: TestApp;
  const prefix = uniquePrefix('spec-thread-late');

  beforeAll(async () => {
    ({ slack, jira, app } = await startJiraAndSlack(prefix, 'spec_approved'));
  });

  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await jira?.close();
    await dropPrefix(prefix);
  });

  it('is told in the spec’s thread once the first chat card opens it', async () => {
    await app.post(specEvent('spec_created', 'late-1'));
    const issue = await waitFor(() => [...jira.issues.values()][0], { what: 'the Jira issue' });
    // The link (and the ticket waiting to be told) are stored right after the create.
    const redis = testRedis();
    await waitFor(
      async () => (await redis.get(`${prefix}:tickets:jira:spec-of:${issue.key}`)) === 'FEAT-0001',
    );
    redis.disconnect();
    // Slack does not follow spec_created: nothing is posted, and the ticket waits for a thread.
    expect(slack.history(CHANNEL)).toEqual([]);

    await app.post(specEvent('spec_approved', 'late-2'));
    const parent = await waitFor(() => specThread(slack), { what: "the spec's thread" });
    const opened = await waitFor(() => openedReplies(slack, parent)[0], { what: 'the opened reply' });
    expect(shownText(opened)).toContain(`${issue.key} opened in Jira`);
    const approved = await waitFor(
      () => slack.replies(CHANNEL, parent.ts).find((m) => shownText(m).includes('Spec Approved')),
      { what: 'the spec_approved card' },
    );
    expect(shownText(approved)).toContain(`Jira ${issue.key}`);
    expect(openedReplies(slack, parent)).toHaveLength(1);
  });
});

describe('ingress and worker as separate apps (serve --role ingress, --role worker)', () => {
  let slack: FakeSlack;
  let jira: FakeJira;
  let ingress: TestApp;
  let worker: TestApp;
  const prefix = uniquePrefix('spec-thread-roles');

  beforeAll(async () => {
    slack = await FakeSlack.start({ channels: [CHANNEL] });
    jira = await FakeJira.start();
    const loaded = testConfig(
      prefix,
      `${slackYaml(slack)}
integrations:
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${JIRA_TOKEN}"
    project_key: "PROJ"
  slack:
    enabled: true
    channel: "${CHANNEL}"
    notify_on: [spec_created]
`,
    );
    ingress = await startTestApp(loaded, 'ingress');
    worker = await startTestApp(loaded, 'worker');
  });

  afterAll(async () => {
    await ingress?.close();
    await worker?.close();
    await slack?.close();
    await jira?.close();
    await dropPrefix(prefix);
  });

  it('has the worker that opened the ticket tell the thread through its own chat platforms', async () => {
    expect((await ingress.post(specEvent('spec_created', 'roles-1'))).status).toBe(202);
    const parent = await waitFor(() => specThread(slack), { what: "the spec's thread" });
    const opened = await waitFor(() => openedReplies(slack, parent)[0], { what: 'the opened reply' });
    expect(shownText(opened)).toContain('PROJ-1 opened in Jira');
    expect(jira.issues.size).toBe(1);
  });
});

describe("a GitHub issue's status change in the spec's thread", () => {
  const SECRET = 'github-webhook-secret-0123456789';
  let slack: FakeSlack;
  let github: FakeGitHub;
  let app: TestApp;
  const prefix = uniquePrefix('spec-thread-github');

  beforeAll(async () => {
    slack = await FakeSlack.start({ channels: [CHANNEL] });
    github = await FakeGitHub.start();
    app = await startTestApp(
      testConfig(
        prefix,
        `${slackYaml(slack)}
integrations:
  github_projects:
    enabled: true
    api_url: "${github.baseUrl}"
    token: "${GITHUB_TOKEN}"
    repository: "${OWNER}/${REPO}"
    project_number: 1
    webhook_secret: "\${GITHUB_WEBHOOK_SECRET}"
  slack:
    enabled: true
    channel: "${CHANNEL}"
    notify_on: [spec_created]
`,
        { GITHUB_WEBHOOK_SECRET: SECRET },
      ),
    );
  });

  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await github?.close();
    await dropPrefix(prefix);
  });

  async function hook(event: string, body: unknown, delivery: string) {
    const raw = JSON.stringify(body);
    const response = await request(`${app.app.url}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
      },
      body: raw,
    });
    return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
  }

  it('tells the thread of the issue opened for the spec, then of the issue closed on github.com', async () => {
    await app.post(specEvent('spec_created', 'gh-1'));
    const parent = await waitFor(() => specThread(slack), { what: "the spec's thread" });
    const key = `${OWNER}/${REPO}#1`;
    const opened = await waitFor(() => openedReplies(slack, parent)[0], { what: 'the opened reply' });
    expect(shownText(opened)).toContain(`${key} opened in GitHub`);

    const closed = await hook('issues', github.setState(1, 'closed'), '5a1c7e00-0000-4000-8000-000000000001');
    expect(closed.status).toBe(200);
    const moved = await waitFor(
      () => slack.replies(CHANNEL, parent.ts).find((m) => shownText(m).includes(`${key} moved to Closed`)),
      { what: 'the moved reply' },
    );
    expect(shownText(moved)).toContain('GitHub');
    expect(openedReplies(slack, parent)).toHaveLength(1);
  });
});
