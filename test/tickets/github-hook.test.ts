import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_LOGIN, FakeGitHub, GITHUB_TOKEN, OWNER, REPO } from '../fakes/github.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { CHANNEL, postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/** GitHub's published example (docs: "Validating webhook deliveries" → "Testing the webhook payload validation"). */
const GITHUB_EXAMPLE = {
  secret: "It's a Secret to Everybody",
  payload: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};

let slack: FakeSlack;
let github: FakeGitHub;
let app: TestApp;
let prefix: string;
let deliveries = 0;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  github = await FakeGitHub.start();
  prefix = uniquePrefix('github-hook');
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
    status_mappings:
      approved: "Ready"
    webhook_secret: "\${GITHUB_WEBHOOK_SECRET}"
`,
      { GITHUB_WEBHOOK_SECRET: GITHUB_EXAMPLE.secret },
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await github?.close();
  await dropPrefix(prefix);
});

async function post(raw: string, headers: Record<string, string>) {
  const response = await request(`${app.app.url}/hooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

/** A webhook as GitHub sends it: signed with the secret, named, with its delivery GUID. */
function hook(
  event: string,
  body: unknown,
  delivery = `72d3162e-cc78-11e3-81ab-${String(++deliveries).padStart(12, '0')}`,
) {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', GITHUB_EXAMPLE.secret).update(raw).digest('hex')}`;
  return post(raw, {
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': signature,
  });
}

function pullRequest(action: string, extra: Record<string, unknown> = {}) {
  return {
    action,
    number: 5,
    pull_request: {
      number: 5,
      html_url: `https://github.com/${OWNER}/${REPO}/pull/5`,
      title: 'Add login',
      merged: false,
      labels: [],
      head: { ref: 'specs/FEAT-0001-login' },
      ...extra,
    },
    repository: { name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER } },
    sender: { login: 'alice' },
  };
}

describe('POST /hooks/github', () => {
  it("accepts GitHub's published test vector and refuses the same body with a changed signature", async () => {
    const good = await post(GITHUB_EXAMPLE.payload, {
      'x-github-event': 'ping',
      'x-hub-signature-256': GITHUB_EXAMPLE.signature,
    });
    // The signature is good; the example body is not JSON, which is the next check.
    expect(good.status).toBe(400);
    expect(good.json.error).toMatchObject({ code: 'bad_json' });
    const forged = await post(GITHUB_EXAMPLE.payload, {
      'x-github-event': 'ping',
      'x-hub-signature-256': GITHUB_EXAMPLE.signature.replace(/7$/, '8'),
    });
    expect(forged.status).toBe(401);
    expect(JSON.stringify(forged.json)).toContain('X-Hub-Signature-256');
    const unsigned = await post('{}', { 'x-github-event': 'ping' });
    expect(unsigned.status).toBe(401);
  });

  it('turns an opened pull request into pr_created once per delivery: the spec’s issue gets one link comment', async () => {
    const delivery = '9f0f4d7a-0000-4000-8000-000000000001';
    const first = await hook('pull_request', pullRequest('opened'), delivery);
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ id: `github-${delivery}`, duplicate: false });
    // GitHub's "Redeliver" sends the same X-GitHub-Delivery: stored once.
    const again = await hook('pull_request', pullRequest('opened'), delivery);
    expect(again).toMatchObject({ status: 202, json: { duplicate: true } });
    const issue = await waitFor(() => github.issues.get(1)?.comments.length === 1 && github.issues.get(1));
    expect(issue.labels).toEqual(['spec:FEAT-0001']);
    expect(issue.comments[0]?.body).toContain('Linked pull request #5: Add login');
  });

  it('turns a merged pull request into pr_merged, which closes the spec’s issue; a closed unmerged one is ignored', async () => {
    const unmerged = await hook('pull_request', pullRequest('closed'));
    expect(unmerged).toEqual({
      status: 200,
      json: { ignored: 'pull_request closed without merging is not followed' },
    });
    const merged = await hook('pull_request', pullRequest('closed', { merged: true }));
    expect(merged.status).toBe(202);
    await waitFor(() => github.issues.get(1)?.state === 'closed');
  });

  it('ignores a pull request that names no spec', async () => {
    const response = await hook(
      'pull_request',
      pullRequest('opened', { head: { ref: 'fix-typo' }, title: 'Fix typo' }),
    );
    expect(response.status).toBe(200);
    expect(String(response.json.ignored)).toContain('names no spec');
  });

  it('shows an issue closed or reopened on GitHub on its ticket card, and drops the change our own token made', async () => {
    await postSlack(
      app.app.url,
      slashForm('ticket create "Checkout returns 500"', { response_url: slack.responseUrl() }),
    );
    const key = `${OWNER}/${REPO}#${github.issues.size + 1}`;
    const number = github.issues.size + 1;
    const parent = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes(key)),
    );
    expect(shownText(parent)).toContain('Open');

    const closed = await hook('issues', github.setState(number, 'closed'));
    expect(closed).toEqual({ status: 200, json: { updated: 1 } });
    const updated = slack.history(CHANNEL).find((m) => m.ts === parent.ts);
    expect(shownText(updated)).toContain('Closed');
    const versions = updated?.versions.length;

    // Threadline's own reopen comes back as a webhook too; it is recognised and not applied again.
    const ours = await hook('issues', github.setState(number, 'reopened', BOT_LOGIN));
    expect(ours).toEqual({ status: 200, json: { ignored: 'our own change' } });
    expect(slack.history(CHANNEL).find((m) => m.ts === parent.ts)?.versions.length).toBe(versions);
  });

  it('acknowledges events it does not follow, and issues of other repositories', async () => {
    expect(await hook('star', { action: 'created' })).toEqual({
      status: 200,
      json: { ignored: 'star event is not followed' },
    });
    const other = await hook('issues', {
      action: 'closed',
      issue: { number: 1, title: 'x', html_url: 'https://github.com/other/repo/issues/1' },
      repository: { name: 'repo', owner: { login: 'other' } },
      sender: { login: 'alice' },
    });
    expect(other).toEqual({ status: 200, json: { ignored: 'not an issue of the configured repository' } });
  });

  it('pauses the status poll for a verified issues webhook only: one that sends pull requests says nothing of issue changes', async () => {
    const redis = testRedis();
    const state = `${prefix}:tickets:github:poll:state`;
    try {
      await redis.del(state);
      await hook('pull_request', pullRequest('opened', { head: { ref: 'fix-typo' }, title: 'Fix typo' }));
      await hook('ping', { zen: 'Keep it logically awesome.' });
      const forged = await post(JSON.stringify({ action: 'closed' }), {
        'x-github-event': 'issues',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-forged0000001',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      });
      expect(forged.status).toBe(401);
      expect(await redis.hget(state, 'webhook_seen_at')).toBeNull();
      const before = Date.now();
      await hook('issues', {
        action: 'closed',
        issue: { number: 1, title: 'x', html_url: 'https://github.com/other/repo/issues/1' },
        repository: { name: 'repo', owner: { login: 'other' } },
        sender: { login: 'alice' },
      });
      expect(Number(await redis.hget(state, 'webhook_seen_at'))).toBeGreaterThanOrEqual(before);
    } finally {
      redis.disconnect();
    }
  });
});
