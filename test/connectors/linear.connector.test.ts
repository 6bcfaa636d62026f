import { describe, expect, it } from 'vitest';
import { specMarker } from '../../src/connectors/linear/linear.tracker.js';
import type { TicketingConnector } from '../../src/connectors/ticketing/ticketing.connector.js';
import { AuthError, RateLimitedError, TransientError, ValidationError } from '../../src/core/errors.js';
import { FakeLinear, LINEAR_API_KEY, linearError, TEAM_ID } from '../fakes/linear.js';
import { trackerHarness } from '../support/tracker-harness.js';
import { context, event, spec } from './support.js';

let linear: FakeLinear;
let prefix: string;
const tracker = trackerHarness({
  name: 'linear',
  start: async (keys) => {
    prefix = keys;
    linear = await FakeLinear.start();
    return linear;
  },
});
const { redis } = tracker;

/** The Integrations Guide's block: labels spec and automated, its four state mappings. */
const GUIDE_MAPPINGS = `    state_mappings:
      draft: "Backlog"
      review: "In Review"
      approved: "Todo"
      implemented: "Done"`;

async function connector(
  options: { key?: string; labels?: string; mappings?: string; extra?: string } = {},
): Promise<TicketingConnector> {
  return tracker.connector(`
  linear:
    enabled: true
    api_url: "${linear.apiUrl}"
    api_key: "${options.key ?? LINEAR_API_KEY}"
    team_id: "${TEAM_ID}"
    labels: ${options.labels ?? '["spec", "automated"]'}
${options.mappings ?? GUIDE_MAPPINGS}
${options.extra ?? ''}
`);
}

describe('Linear connector: the spec lifecycle', () => {
  it('opens one issue per spec on spec_created: in the team, with the labels, in the draft state', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt).toMatchObject({ reference: 'ENG-1', summary: 'opened ENG-1 for FEAT-0001' });
    const [create] = linear.of('ThreadlineIssueCreate');
    expect(create?.headers.authorization).toBe(LINEAR_API_KEY);
    expect(create?.variables).toEqual({
      input: {
        teamId: TEAM_ID,
        title: 'FEAT-0001: User Authentication',
        description: `Spec FEAT-0001 (draft).\nFile: specs/features/FEAT-0001.yaml\n\n${specMarker('FEAT-0001')}`,
        // `spec` is a team label, `automated` a workspace label: both are found by name.
        labelIds: ['lb-spec', 'lb-automated'],
        stateId: 'st-backlog',
      },
    });
    expect(linear.statusOf('ENG-1')).toBe('Backlog');
  });

  it('writes the acceptance criteria into the description as a Markdown list', async () => {
    const c = await connector();
    await c.deliver(
      event('spec_created', {
        spec: { ...spec, acceptance_criteria: ['Users can log in', 'Sessions expire'] },
      }),
      context,
    );
    expect(linear.issue('ENG-1').description).toContain(
      '**Acceptance criteria**\n\n- Users can log in\n\n- Sessions expire',
    );
  });

  it('leaves the state to the team’s default when draft is not mapped, and sends no labels when none are set', async () => {
    const c = await connector({ labels: '[]', mappings: '' });
    await c.deliver(event('spec_created'), context);
    const [create] = linear.of('ThreadlineIssueCreate');
    const input = (create?.variables as { input?: Record<string, unknown> } | undefined)?.input;
    expect(input).toMatchObject({ title: 'FEAT-0001: User Authentication' });
    expect(input).not.toHaveProperty('stateId');
    expect(input).not.toHaveProperty('labelIds');
    expect(linear.statusOf('ENG-1')).toBe('Todo');
    expect(linear.of('ThreadlineLabels')).toHaveLength(0);
  });

  it('never opens a second issue for a spec: a later event finds the stored link', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_created', {}, 'evt-replayed'), context);
    await c.deliver(event('spec_approved'), context);
    expect(linear.issues.size).toBe(1);
    expect(linear.of('ThreadlineIssueCreate')).toHaveLength(1);
    expect(linear.of('ThreadlineFindBySpec')).toHaveLength(1);
  });

  it('finds the issue on Linear when a crash came between create and storing the link: still one issue', async () => {
    const c = await connector();
    // The first try created the issue, then the worker died before the link was stored.
    await c.tickets.tracker.create({ title: 'FEAT-0001: User Authentication', specId: 'FEAT-0001' });
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt).toMatchObject({ reference: 'ENG-1', summary: 'ENG-1 for FEAT-0001' });
    expect(linear.issues.size).toBe(1);
    expect(linear.of('ThreadlineFindBySpec')[0]?.variables).toEqual({
      filter: { team: { id: { eq: TEAM_ID } }, description: { contains: 'Threadline spec: `FEAT-0001`' } },
    });
    expect(await redis.get(`${prefix}:tickets:linear:link:spec:FEAT-0001`)).toContain('ENG-1');
  });

  it('does not take the issue of a spec whose id merely starts with this one', async () => {
    const c = await connector();
    await c.tickets.tracker.create({ title: 'FEAT-00012', specId: 'FEAT-00012' });
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt.reference).toBe('ENG-2');
  });

  it('opens one issue when two events of a new spec are delivered at once: the second waits for the first', async () => {
    const c = await connector();
    const results = await Promise.allSettled([
      c.deliver(event('spec_created'), context),
      c.deliver(event('spec_approved'), context),
    ]);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);
    await c.deliver(event('spec_approved'), context);
    expect(linear.of('ThreadlineIssueCreate')).toHaveLength(1);
    expect(linear.statusOf('ENG-1')).toBe('Todo');
  });

  it('moves the issue to the states state_mappings names for approved and implemented', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const approved = await c.deliver(event('spec_approved'), context);
    expect(approved.summary).toBe('ENG-1 moved to Todo');
    expect(linear.statusOf('ENG-1')).toBe('Todo');
    await c.deliver(event('implementation_completed'), context);
    expect(linear.statusOf('ENG-1')).toBe('Done');
    expect(linear.of('ThreadlineIssueUpdate').map((r) => r.variables)).toEqual([
      { id: 'issue-1-uuid', input: { stateId: 'st-todo' } },
      { id: 'issue-1-uuid', input: { stateId: 'st-done' } },
    ]);
    // The team's states are read once per process.
    expect(linear.of('ThreadlineWorkflowStates')).toHaveLength(1);
  });

  it('does not move an issue already in the mapped state (a replayed approval)', async () => {
    const c = await connector();
    await c.deliver(event('spec_approved'), context);
    await c.deliver(event('spec_approved', {}, 'evt-again'), context);
    expect(linear.of('ThreadlineIssueUpdate')).toHaveLength(1);
  });

  it('says so when a stage has no mapping, and moves nothing', async () => {
    const c = await connector({ mappings: '    state_mappings: { approved: "Todo" }' });
    const receipt = await c.deliver(event('implementation_completed'), context);
    expect(receipt.summary).toBe('opened ENG-1: no linear transition is configured for implemented');
    expect(linear.of('ThreadlineIssueUpdate')).toHaveLength(0);
  });

  it('names the available states when a mapped state name is wrong, and is not retried', async () => {
    const c = await connector({ mappings: '    state_mappings: { approved: "Approved" }' });
    await c.deliver(event('spec_created'), context);
    const error = await c.deliver(event('spec_approved'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      `Linear state "Approved" (integrations.linear.state_mappings.approved) is not a workflow state of team ${TEAM_ID}; available: "Backlog" (backlog), "Todo" (unstarted), "In Progress" (started), "In Review" (started), "Done" (completed), "Canceled" (canceled)`,
    );
    expect(linear.of('ThreadlineIssueUpdate')).toHaveLength(0);
  });

  it('names a configured label the team does not have, and opens nothing', async () => {
    const c = await connector({ labels: '["spec", "elsewhere", "missing"]' });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      `Linear has no label "elsewhere", "missing" (integrations.linear.labels) in team ${TEAM_ID} or the workspace; create it or remove it from the list`,
    );
    expect(linear.of('ThreadlineIssueCreate')).toHaveLength(0);
  });

  it('links the pull request once as a URL attachment, however often pr_created arrives', async () => {
    const c = await connector();
    const pr = { number: 42, url: 'https://github.com/org/repo/pull/42', title: 'Add login' };
    await c.deliver(event('pr_created', { pr }), context);
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), context);
    expect(linear.issue('ENG-1').attachments).toEqual([
      { url: 'https://github.com/org/repo/pull/42', title: 'PR #42: Add login' },
    ]);
    expect(linear.of('ThreadlineAttachmentLinkURL')[0]?.variables).toEqual({
      issueId: 'issue-1-uuid',
      url: 'https://github.com/org/repo/pull/42',
      title: 'PR #42: Add login',
    });
  });

  it('closes the issue on pr_merged in a completed state, and leaves a done issue alone', async () => {
    const c = await connector({ mappings: '' });
    const receipt = await c.deliver(event('pr_merged', { pr: { number: 42 } }), context);
    expect(receipt.summary).toBe('opened ENG-1 is Done');
    expect(linear.statusOf('ENG-1')).toBe('Done');
    await c.deliver(event('pr_merged', { pr: { number: 42 } }, 'evt-merged-again'), context);
    expect(linear.of('ThreadlineIssueUpdate')).toHaveLength(1);
  });

  it('comments the error of implementation_failed and validation_failed, the delivery marked in an HTML comment', async () => {
    const c = await connector();
    await c.deliver(
      event('implementation_failed', {
        error: { message: 'tests failed: 3 of 120', logs_url: 'https://ci.example.com/runs/9' },
      }),
      { deliveryId: 'evt-failed.linear', attempt: 1 },
    );
    await c.deliver(event('validation_failed', { error: 'spec.owner is required' }), {
      deliveryId: 'evt-invalid.linear',
      attempt: 1,
    });
    expect(linear.issue('ENG-1').comments).toEqual([
      'Spec Implementation Failed: tests failed: 3 of 120\nLogs: https://ci.example.com/runs/9\n\n<!-- threadline:evt-failed.linear -->',
      'Spec Validation Failed: spec.owner is required\n\n<!-- threadline:evt-invalid.linear -->',
    ]);
    expect(linear.of('ThreadlineCommentCreate')[0]?.variables).toMatchObject({
      input: { issueId: 'issue-1-uuid' },
    });
  });

  it('does not comment twice when the answer to the first post was lost in a timeout', async () => {
    const c = await connector({ extra: '    timeout_ms: 400' });
    await c.deliver(event('spec_created'), { deliveryId: 'evt-created.linear', attempt: 1 });
    linear.script('ThreadlineCommentCreate', { stall: true });
    const failed = event('validation_failed', { error: 'spec.owner is required' });
    const delivery = { deliveryId: 'evt-invalid.linear', attempt: 1 };
    await expect(c.deliver(failed, delivery)).rejects.toBeInstanceOf(TransientError);
    expect(linear.issue('ENG-1').comments).toHaveLength(1);
    const retry = await c.deliver(failed, { ...delivery, attempt: 2 });
    expect(retry.summary).toBe('ENG-1: had already been commented validation_failed');
    expect(linear.issue('ENG-1').comments).toHaveLength(1);
    expect(linear.of('ThreadlineComments')).toHaveLength(1);
  });

  it('knows its team’s issue identifiers once the team has been read', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    expect(c.tickets.tracker.recognises('ENG-1')).toBe(true);
    expect(c.tickets.tracker.recognises('OPS-1')).toBe(false);
    expect(c.tickets.tracker.recognises('eng 1')).toBe(false);
  });
});

describe('Linear connector: errors at the boundary', () => {
  it('an expired key is an AuthError naming the key to check, without the key', async () => {
    const c = await connector({ key: 'lin_api_expired000000000000000000000000' });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.linear.api_key');
    expect((error as Error).message).toContain('AUTHENTICATION_ERROR');
    expect((error as Error).message).not.toContain('lin_api_expired');
  });

  it('RATELIMITED is a RateLimitedError waiting until X-RateLimit-Requests-Reset', async () => {
    const c = await connector();
    let reset = 0;
    linear.script('ThreadlineFindBySpec', {
      ...linearError('Rate limit exceeded', 'RATELIMITED', 'ratelimited'),
      headers: () => {
        reset = Date.now() + 30_000;
        return { 'x-ratelimit-requests-remaining': '0', 'x-ratelimit-requests-reset': String(reset) };
      },
    });
    const before = Date.now();
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const wait = (error as RateLimitedError).retryAfterMs;
    // The wait runs to the reset Linear named, measured from when we read the answer.
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(reset - before);
    expect(Date.now() + wait).toBeGreaterThanOrEqual(reset);
  });

  it('a 429 carries Retry-After', async () => {
    const c = await connector();
    linear.script('ThreadlineFindBySpec', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { errors: [{ message: 'Too many requests', extensions: { code: 'RATELIMITED' } }] },
    });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('an unknown issue is not found, and a malformed key never reaches Linear', async () => {
    const c = await connector();
    await expect(c.run(() => c.tickets.tracker.get('ENG-404'))).rejects.toThrow(
      'Linear: read ENG-404 failed (INVALID_INPUT): Could not find referenced Issue.',
    );
    const before = linear.requests.length;
    await expect(c.run(() => c.tickets.tracker.get('ENG 1'))).rejects.toBeInstanceOf(ValidationError);
    expect(linear.requests).toHaveLength(before);
  });

  it('check() reports refused credentials with the key to check, even when Linear echoes the key', async () => {
    const c = await connector();
    linear.script(
      'ThreadlineTeam',
      linearError(`bad key ${LINEAR_API_KEY}`, 'AUTHENTICATION_ERROR', 'authentication error'),
    );
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('integrations.linear.api_key');
    expect(health.detail).not.toContain(LINEAR_API_KEY);
  });

  it('check() reads the team, its states, the mapped states and the labels', async () => {
    const c = await connector();
    expect(await c.check()).toEqual({
      ok: true,
      detail:
        'team ENG (Engineering), 6 workflow states, draft → Backlog, review → In Review, approved → Todo, implemented → Done, labels spec, automated',
    });
  });

  it('check() names a mapped state the team does not have', async () => {
    const c = await connector({ mappings: '    state_mappings: { review: "Reviewing" }' });
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(
      /^Linear state "Reviewing" \(integrations\.linear\.state_mappings\.review\)/,
    );
  });
});
