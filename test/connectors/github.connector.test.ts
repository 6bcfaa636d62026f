import { describe, expect, it } from 'vitest';
import type { TicketingConnector } from '../../src/connectors/ticketing/ticketing.connector.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import { FakeGitHub, GITHUB_TOKEN, OWNER, REPO } from '../fakes/github.js';
import { trackerHarness } from '../support/tracker-harness.js';
import { context, event, spec } from './support.js';

let github: FakeGitHub;
let prefix: string;
const tracker = trackerHarness({
  name: 'github_projects',
  label: 'github',
  start: async (keys) => {
    prefix = keys;
    github = await FakeGitHub.start();
    return github;
  },
});
const { redis } = tracker;

const MAPPINGS = `    status_mappings:
      draft: "Backlog"
      approved: "Ready"
      implemented: "Done"`;

async function connector(
  options: { extra?: string; token?: string; mappings?: string; statusField?: string } = {},
): Promise<TicketingConnector> {
  const { extra = '', token = GITHUB_TOKEN, mappings = MAPPINGS, statusField = 'Status' } = options;
  return tracker.connector(`
  github_projects:
    enabled: true
    api_url: "${github.apiUrl}"
    token: "${token}"
    repository: "${OWNER}/${REPO}"
    project_number: 1
    status_field: "${statusField}"
${mappings}
${extra}
`);
}

const KEY = `${OWNER}/${REPO}#1`;

describe('GitHub Projects connector: the spec lifecycle', () => {
  it('opens one issue per spec on spec_created, labelled spec:<id>, added to the project in its draft column', async () => {
    const c = await connector();
    const receipt = await c.deliver(
      event('spec_created', { spec: { ...spec, acceptance_criteria: ['Users can log in'] } }),
      context,
    );
    expect(receipt).toMatchObject({ reference: KEY, summary: `opened ${KEY} for FEAT-0001` });
    const [create] = github.of('createIssue');
    expect(create?.path).toBe(`/repos/${OWNER}/${REPO}/issues`);
    expect(create?.json).toEqual({
      title: 'FEAT-0001: User Authentication',
      body: 'Spec FEAT-0001 (draft).\nFile: specs/features/FEAT-0001.yaml\n\n### Acceptance criteria\n\n- [ ] Users can log in',
      labels: ['spec:FEAT-0001'],
    });
    expect(github.issue(1).item).toBeDefined();
    expect(github.statusOf(1)).toBe('Backlog');
    // The project is looked up by number once; its id and options are remembered.
    await c.deliver(event('spec_approved'), context);
    expect(github.of('findProject')).toHaveLength(1);
  });

  it('never opens a second issue for a spec: a later event finds the stored link', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_created', {}, 'evt-replayed'), context);
    await c.deliver(event('spec_approved'), context);
    expect(github.issues.size).toBe(1);
    expect(github.of('createIssue')).toHaveLength(1);
    // The stored link answers: the repository is searched only before the first create.
    expect(github.of('listIssues')).toHaveLength(1);
    expect(github.of('listIssues')[0]?.query.get('labels')).toBe('spec:FEAT-0001');
  });

  it('finds the issue by its label when a crash came between create and storing the link: still one issue, in the project', async () => {
    const c = await connector();
    // The first try created the issue, then the worker died before it was added to the project or linked.
    github.script('addItem', { status: 502, body: { message: 'Server Error' } });
    await expect(
      c.tickets.tracker.create({ title: 'FEAT-0001: User Authentication', specId: 'FEAT-0001' }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(github.issue(1).item).toBeUndefined();
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt.reference).toBe(KEY);
    expect(github.issues.size).toBe(1);
    expect(github.issue(1).item).toBeDefined();
    expect(await redis.get(`${prefix}:tickets:github:link:spec:FEAT-0001`)).toContain(KEY);
  });

  it('moves the project item through status_mappings on spec_approved and implementation_completed', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const approved = await c.deliver(event('spec_approved'), context);
    expect(approved.summary).toBe(`${KEY} moved to Ready`);
    expect(github.statusOf(1)).toBe('Ready');
    await c.deliver(event('implementation_completed'), context);
    expect(github.statusOf(1)).toBe('Done');
    expect(
      github.of('setStatus').map((r) => (r.json as { variables: { option: string } }).variables.option),
    ).toEqual(['f75ad846', '98236657', 'a1b2c3d4']);
  });

  it('does not set the status again when the item is already there (a replayed approval)', async () => {
    const c = await connector();
    await c.deliver(event('spec_approved'), context);
    await c.deliver(event('spec_approved', {}, 'evt-again'), context);
    expect(github.of('setStatus')).toHaveLength(2); // draft on create, then Ready once
  });

  it('says so when no option is mapped for a stage, and changes nothing', async () => {
    const c = await connector({ mappings: '' });
    const receipt = await c.deliver(event('spec_approved'), context);
    expect(receipt.summary).toBe(`opened ${KEY}: no github transition is configured for approved`);
    expect(github.of('setStatus')).toHaveLength(0);
  });

  it('names the available options when a mapped option does not exist, and is not retried', async () => {
    const c = await connector({ mappings: '    status_mappings:\n      approved: "Approved"' });
    const error = await c.deliver(event('spec_approved'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'GitHub project #1 field "Status" has no option "Approved" (integrations.github_projects.status_mappings.approved); available: "Backlog", "In Review", "Ready", "Done"',
    );
    expect(github.of('setStatus')).toHaveLength(0);
  });

  it('links the pull request once with a comment, however often pr_created arrives', async () => {
    const c = await connector();
    const pr = { number: 42, url: `https://github.com/${OWNER}/${REPO}/pull/42`, title: 'Add login' };
    await c.deliver(event('pr_created', { pr }), context);
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), context);
    await c.deliver(
      event('pr_created', { pr: { ...pr, number: 420, url: `${pr.url}0` } }, 'evt-pr-420'),
      context,
    );
    expect(github.issue(1).comments.map((c) => c.body)).toEqual([
      `Linked pull request #42: Add login\n\nhttps://github.com/${OWNER}/${REPO}/pull/42`,
      `Linked pull request #420: Add login\n\nhttps://github.com/${OWNER}/${REPO}/pull/420`,
    ]);
  });

  it('reads every page of comments before deciding a pull request is not linked yet', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const pr = { number: 7, url: `https://github.com/${OWNER}/${REPO}/pull/7` };
    await c.deliver(event('pr_created', { pr }), context);
    for (let i = 0; i < 150; i++)
      github.issue(1).comments.push({ id: 1000 + i, body: `note ${i}`, user: 'alice' });
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), context);
    expect(github.issue(1).comments.filter((c) => c.body.startsWith('Linked pull request #7'))).toHaveLength(
      1,
    );
    expect(github.of('listComments').length).toBeGreaterThanOrEqual(3);
  });

  it('closes the issue as completed on pr_merged, once', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('pr_merged', { pr: { number: 42 } }), context);
    expect(receipt.summary).toBe(`opened ${KEY} is Closed`);
    expect(github.issue(1)).toMatchObject({ state: 'closed', stateReason: 'completed' });
    await c.deliver(event('pr_merged', { pr: { number: 42 } }, 'evt-merged-again'), context);
    expect(github.of('updateIssue')).toHaveLength(1);
    expect(github.of('updateIssue')[0]?.json).toEqual({ state: 'closed', state_reason: 'completed' });
  });

  it('comments the error of implementation_failed and validation_failed, the delivery marked in an HTML comment', async () => {
    const c = await connector();
    await c.deliver(
      event('implementation_failed', {
        error: { message: 'tests failed: 3 of 120', logs_url: 'https://ci.example.com/runs/9' },
      }),
      { deliveryId: 'evt-failed.github_projects', attempt: 1 },
    );
    await c.deliver(event('validation_failed', { error: 'spec.owner is required' }), {
      deliveryId: 'evt-invalid.github_projects',
      attempt: 1,
    });
    expect(github.issue(1).comments.map((c) => c.body)).toEqual([
      'Spec Implementation Failed: tests failed: 3 of 120\nLogs: https://ci.example.com/runs/9\n\n<!-- threadline:evt-failed.github_projects -->',
      'Spec Validation Failed: spec.owner is required\n\n<!-- threadline:evt-invalid.github_projects -->',
    ]);
  });

  it('does not comment twice when the answer to the first post was lost in a timeout', async () => {
    const c = await connector({ extra: '    timeout_ms: 400' });
    await c.deliver(event('spec_created'), { deliveryId: 'evt-created.github_projects', attempt: 1 });
    github.script('createComment', { stall: true });
    const failed = event('validation_failed', { error: 'spec.owner is required' });
    const delivery = { deliveryId: 'evt-invalid.github_projects', attempt: 1 };
    await expect(c.deliver(failed, delivery)).rejects.toBeInstanceOf(TransientError);
    expect(github.issue(1).comments).toHaveLength(1);
    const retry = await c.deliver(failed, { ...delivery, attempt: 2 });
    expect(retry.summary).toBe(`${KEY}: had already been commented validation_failed`);
    expect(github.issue(1).comments).toHaveLength(1);
    expect(github.of('createComment')).toHaveLength(1);
  });

  it('a delivery whose id could break an HTML comment is marked by a hash of it instead', async () => {
    const c = await connector();
    await c.deliver(event('validation_failed', { error: 'x' }), {
      deliveryId: 'odd--id -->.github',
      attempt: 1,
    });
    const [comment] = github.issue(1).comments;
    expect(comment?.body).toMatch(/\n\n<!-- threadline:h-[0-9a-f]{32} -->$/);
  });

  it('reads an issue as its project column while open and Closed once closed', async () => {
    const c = await connector();
    await c.deliver(event('spec_approved'), context);
    expect(await c.tickets.tracker.get(KEY)).toEqual({
      key: KEY,
      url: `https://github.com/${OWNER}/${REPO}/issues/1`,
      status: 'Ready',
      title: 'FEAT-0001: User Authentication',
    });
    github.setState(1, 'closed');
    expect((await c.tickets.tracker.get(KEY)).status).toBe('Closed');
    await expect(c.tickets.tracker.get(`${OWNER}/${REPO}#99`)).rejects.toBeInstanceOf(NotFoundError);
    await expect(c.tickets.tracker.get('other/repo#1')).rejects.toBeInstanceOf(ValidationError);
  });

  it('finds a user-owned project as well as an organization’s, through owner', async () => {
    github.projectOwner = 'octocat';
    const c = await connector({ extra: '    owner: "octocat"' });
    await c.deliver(event('spec_approved'), context);
    expect(github.statusOf(1)).toBe('Ready');
    expect(github.of('findProject')[0]?.json).toMatchObject({
      variables: {
        owner: 'octocat',
        number: 1,
      },
    });
  });

  it('speaks to GitHub Enterprise Server under /api/v3, with GraphQL at /api/graphql', async () => {
    await github.close();
    github = await FakeGitHub.start({ enterprise: true });
    const c = await connector();
    await c.deliver(event('spec_approved'), context);
    expect(github.statusOf(1)).toBe('Ready');
    const paths = new Set(github.requests.map((r) => `${r.method} ${r.path}`));
    expect(paths).toContain(`POST /api/v3/repos/${OWNER}/${REPO}/issues`);
    expect(paths).toContain('POST /api/graphql');
    expect(github.requests.filter((r) => r.operation === 'unknown')).toEqual([]);
  });
});

describe('GitHub Projects connector: errors at the boundary', () => {
  it('an expired token is an AuthError naming the secret to check, without the token', async () => {
    const c = await connector({ token: 'ghp_expired000000000000000000000000000' });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.github_projects.token');
    expect((error as Error).message).not.toContain('ghp_expired000000000000000000000000000');
  });

  it('a 429 is a RateLimitedError carrying GitHub’s Retry-After', async () => {
    const c = await connector();
    github.script('listIssues', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { message: 'You have exceeded a secondary rate limit.' },
    });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('a 403 with x-ratelimit-remaining 0 waits until x-ratelimit-reset instead of blaming the token', async () => {
    const c = await connector();
    const reset = Math.floor(Date.now() / 1000) + 60;
    github.script('createIssue', {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(50_000);
    expect((error as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('a GraphQL error is mapped by its type: an unknown project is NotFound, and no issue is left unlinked', async () => {
    const c = await connector();
    github.projectOwner = 'someone-else';
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(
      "Could not resolve to a RepositoryOwner with the login of 'acme'",
    );
  });

  it('check() reports refused credentials with the key to check, even when GitHub echoes the token', async () => {
    const c = await connector();
    github.script('repo', { status: 401, body: { message: `Bad credentials ${GITHUB_TOKEN}` } });
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('integrations.github_projects.token');
    expect(health.detail).not.toContain(GITHUB_TOKEN);
  });

  it('check() reads the repository and the project, and lists the status options', async () => {
    const c = await connector();
    expect(await c.check()).toEqual({
      ok: true,
      detail: `repository ${OWNER}/${REPO}, project #1 "Specs", field "Status" ("Backlog", "In Review", "Ready", "Done")`,
    });
  });

  it('check() fails when a mapped option is missing, naming it and the options there are', async () => {
    const c = await connector({ mappings: '    status_mappings:\n      review: "Reviewing"' });
    expect(await c.check()).toEqual({
      ok: false,
      detail:
        'project #1 field "Status" has no option "Reviewing" (status_mappings.review); available: "Backlog", "In Review", "Ready", "Done"',
    });
  });

  it('check() names the single-select fields when status_field names none of them', async () => {
    const c = await connector({ mappings: '', statusField: 'Stage' });
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toBe(
      'GitHub project #1 has no single-select field "Stage" (integrations.github_projects.status_field); single-select fields: "Status", "Priority"',
    );
  });
});
