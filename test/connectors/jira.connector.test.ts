import { describe, expect, it } from 'vitest';
import type { TicketingConnector } from '../../src/connectors/ticketing/ticketing.connector.js';
import { AuthError, RateLimitedError, TransientError, ValidationError } from '../../src/core/errors.js';
import { AdfDoc, FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { trackerHarness } from '../support/tracker-harness.js';
import { context, event, spec, stored } from './support.js';

let jira: FakeJira;
let prefix: string;
const tracker = trackerHarness({
  name: 'jira',
  start: async (keys) => {
    prefix = keys;
    jira = await FakeJira.start();
    return jira;
  },
});
const { redis } = tracker;

async function connector(extra = '', token = JIRA_TOKEN, approve = '21'): Promise<TicketingConnector> {
  return tracker.connector(`
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${token}"
    project_key: "PROJ"
    issue_type: "Story"
    transition_on_approve: "${approve}"
    transition_on_implement: "31"
${extra}
`);
}

describe('Jira connector: the spec lifecycle', () => {
  it('opens one Story per spec on spec_created, labelled with the spec id and described in ADF', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt).toMatchObject({ reference: 'PROJ-1', summary: 'opened PROJ-1 for FEAT-0001' });
    const [create] = jira.of('createIssue');
    expect(create?.json).toMatchObject({
      fields: {
        project: { key: 'PROJ' },
        issuetype: { name: 'Story' },
        summary: 'FEAT-0001: User Authentication',
        labels: ['spec-FEAT-0001'],
      },
    });
    const description = jira.issue('PROJ-1').fields.description;
    expect(AdfDoc.safeParse(description).success).toBe(true);
    expect(description).toMatchObject({
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Spec FEAT-0001 (draft).' }] }, {}],
    });
  });

  it('sets the mapped custom fields: the spec id as text, the acceptance criteria as an ADF list', async () => {
    const c = await connector(`    field_mappings:
      spec_id: "customfield_10001"
      acceptance_criteria: "customfield_10002"`);
    await c.deliver(
      event('spec_created', {
        spec: { ...spec, acceptance_criteria: ['Users can log in', 'Sessions expire'] },
      }),
      context,
    );
    const fields = jira.issue('PROJ-1').fields;
    expect(fields.customfield_10001).toBe('FEAT-0001');
    expect(fields.customfield_10002).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'bulletList',
          content: [
            {
              type: 'listItem',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Users can log in' }] }],
            },
            {
              type: 'listItem',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Sessions expire' }] }],
            },
          ],
        },
      ],
    });
  });

  it('creates one sub-task per acceptance criterion when create_subtasks is on', async () => {
    const c = await connector('    create_subtasks: true');
    await c.deliver(
      event('spec_created', { spec: { ...spec, acceptance_criteria: ['Log in', 'Log out'] } }),
      context,
    );
    const subtasks = [...jira.issues.values()].filter((i) => i.parent === 'PROJ-1');
    expect(subtasks.map((i) => i.fields.summary)).toEqual(['Log in', 'Log out']);
  });

  it('never opens a second issue for a spec: a later event finds the stored link', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_created', {}, 'evt-replayed'), context);
    await c.deliver(event('spec_approved'), context);
    expect(jira.issues.size).toBe(1);
    expect(jira.of('createIssue')).toHaveLength(1);
    // The stored link answers: the tracker is searched only before the first create.
    expect(jira.of('search')).toHaveLength(1);
  });

  it('finds the issue on Jira when a crash came between create and storing the link: still one issue', async () => {
    const c = await connector();
    // The first try created the issue, then the worker died before the link was stored.
    await c.tickets.tracker.create({ title: 'FEAT-0001: User Authentication', specId: 'FEAT-0001' });
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt.reference).toBe('PROJ-1');
    expect(jira.issues.size).toBe(1);
    expect(await redis.get(`${prefix}:tickets:jira:link:spec:FEAT-0001`)).toContain('PROJ-1');
  });

  it('opens one issue when two events of a new spec are delivered at once: the second waits for the first', async () => {
    const c = await connector();
    const results = await Promise.allSettled([
      c.deliver(event('spec_created'), context),
      c.deliver(event('spec_approved'), context),
    ]);
    const waited = results.filter((r) => r.status === 'rejected');
    // The loser of the claim is told to try again (TransientError), which its queue does.
    for (const r of waited) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);
    await c.deliver(event('spec_approved'), context);
    expect(jira.of('createIssue')).toHaveLength(1);
    expect(jira.statusOf('PROJ-1')).toBe('In Progress');
  });

  it('opens the issue on a spec’s first event even when that is not spec_created', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('spec_approved'), context);
    expect(receipt.summary).toBe('opened PROJ-1 moved to In Progress');
    expect(jira.statusOf('PROJ-1')).toBe('In Progress');
  });

  it('moves the issue with transition_on_approve and transition_on_implement', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_approved'), context);
    expect(jira.statusOf('PROJ-1')).toBe('In Progress');
    await c.deliver(event('implementation_completed'), context);
    expect(jira.statusOf('PROJ-1')).toBe('Done');
    expect(jira.of('doTransition').map((r) => r.json)).toEqual([
      { transition: { id: '21' } },
      { transition: { id: '31' } },
    ]);
  });

  it('does not move an issue already in the transition’s target status (a replayed approval)', async () => {
    const c = await connector();
    await c.deliver(event('spec_approved'), context);
    await c.deliver(event('spec_approved', {}, 'evt-again'), context);
    expect(jira.of('doTransition')).toHaveLength(1);
  });

  it('names the available transitions when a configured id is wrong, and is not retried', async () => {
    const wrong = await connector('', JIRA_TOKEN, '99');
    const error = await wrong.deliver(event('spec_approved'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'Jira transition 99 (integrations.jira.transition_on_approve) is not available for PROJ-1 in status "To Do"; available: 21 "In Progress" → In Progress, 31 "Done" → Done',
    );
    expect(jira.of('doTransition')).toHaveLength(0);
  });

  it('links the pull request once as a remote link, however often pr_created arrives', async () => {
    const c = await connector();
    const pr = { number: 42, url: 'https://github.com/org/repo/pull/42', title: 'Add login' };
    await c.deliver(event('pr_created', { pr }), context);
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), context);
    expect(jira.issue('PROJ-1').remoteLinks).toEqual([
      {
        globalId: 'https://github.com/org/repo/pull/42',
        object: { url: 'https://github.com/org/repo/pull/42', title: 'PR #42: Add login' },
      },
    ]);
  });

  it('closes the issue on pr_merged through a transition to a done status', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('pr_merged', { pr: { number: 42 } }), context);
    expect(receipt.summary).toBe('opened PROJ-1 is Done');
    expect(jira.statusOf('PROJ-1')).toBe('Done');
    await c.deliver(event('pr_merged', { pr: { number: 42 } }, 'evt-merged-again'), context);
    expect(jira.of('doTransition')).toHaveLength(1);
  });

  it('comments the error of implementation_failed and validation_failed as an ADF document, marked with the delivery', async () => {
    const c = await connector();
    await c.deliver(
      event('implementation_failed', {
        error: { message: 'tests failed: 3 of 120', logs_url: 'https://ci.example.com/runs/9' },
      }),
      { deliveryId: 'evt-failed.jira', attempt: 1 },
    );
    await c.deliver(event('validation_failed', { error: 'spec.owner is required' }), {
      deliveryId: 'evt-invalid.jira',
      attempt: 1,
    });
    const marker = (id: string) => ({
      type: 'paragraph',
      content: [
        {
          type: 'text',
          text: `threadline:${id}`,
          marks: [{ type: 'textColor', attrs: { color: '#97a0af' } }],
        },
      ],
    });
    const comments = jira.issue('PROJ-1').comments;
    expect(comments).toEqual([
      {
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'paragraph',
            content: [{ type: 'text', text: 'Spec Implementation Failed: tests failed: 3 of 120' }],
          },
          { type: 'paragraph', content: [{ type: 'text', text: 'Logs: https://ci.example.com/runs/9' }] },
          marker('evt-failed.jira'),
        ],
      },
      {
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'paragraph',
            content: [{ type: 'text', text: 'Spec Validation Failed: spec.owner is required' }],
          },
          marker('evt-invalid.jira'),
        ],
      },
    ]);
  });

  it('refuses an event without a spec, naming the field', async () => {
    const c = await connector();
    const error = await c.deliver(stored({ event: 'spec_approved' }), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^spec: is required for spec_approved/);
    expect(jira.requests).toHaveLength(0);
  });
});

describe('Jira connector: a comment is posted once per delivery', () => {
  const failed = () =>
    event('implementation_failed', { error: { message: 'tests failed: 3 of 120' } }, 'evt-failed');

  it('does not post again when the answer to the first post was lost in a timeout: the retry finds its marker', async () => {
    const c = await connector('    timeout_ms: 400');
    await c.deliver(event('spec_created'), { deliveryId: 'evt-created.jira', attempt: 1 });
    // Jira stores the comment, but its answer never arrives before the deadline.
    jira.script('comment', { stall: true });
    const first = await c
      .deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 1 })
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransientError);
    expect(jira.issue('PROJ-1').comments).toHaveLength(1);

    const retry = await c.deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 2 });
    expect(retry.summary).toBe('PROJ-1: had already been commented implementation_failed');
    expect(jira.issue('PROJ-1').comments).toHaveLength(1);
    expect(jira.of('comment')).toHaveLength(1);
    expect(jira.of('listComments')[0]?.query.get('orderBy')).toBe('-created');
  });

  it('posts on the retry when the lost first post never reached Jira', async () => {
    const c = await connector('    timeout_ms: 400');
    await c.deliver(event('spec_created'), { deliveryId: 'evt-created.jira', attempt: 1 });
    jira.script('comment', { hang: true });
    await expect(c.deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 1 })).rejects.toBeInstanceOf(
      TransientError,
    );
    const retry = await c.deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 2 });
    expect(retry.summary).toBe('PROJ-1: commented implementation_failed');
    expect(jira.issue('PROJ-1').comments).toHaveLength(1);
  });

  it('a replay of a delivered comment asks neither Jira’s comments nor posts: the record in Redis answers', async () => {
    const c = await connector();
    await c.deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 1 });
    const replay = await c.deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 1 });
    expect(replay.summary).toBe('PROJ-1: had already been commented implementation_failed');
    expect(jira.of('comment')).toHaveLength(1);
    expect(jira.of('listComments')).toHaveLength(0);
    expect(await redis.get(`${prefix}:tickets:jira:comment:evt-failed.jira`)).toBe('done');
  });

  it('a first try posts without reading the comments, and another delivery’s marker does not count', async () => {
    const c = await connector();
    await c.deliver(event('validation_failed', { error: 'x' }, 'evt-other'), {
      deliveryId: 'evt-failed.jira2',
      attempt: 1,
    });
    // A delivery whose first try failed before posting, retried: `…jira2` is not its marker.
    await c.deliver(failed(), { deliveryId: 'evt-failed.jira', attempt: 2 });
    expect(jira.of('listComments')).toHaveLength(1);
    expect(jira.issue('PROJ-1').comments).toHaveLength(2);
  });
});

describe('Jira connector: waiver decisions', () => {
  it("notes an approved waiver on the spec's issue with the quorum, who approved and when", async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const receipt = await c.deliver(
      event('waiver_approved', {
        waiver: {
          id: 'WVR-3',
          reason: 'flaky upstream sandbox',
          status: 'approved',
          requested_by: 'slack:U1',
          required_approvals: 2,
          approvals: [
            { by: 'slack:U2', name: 'bob', at: '2026-11-29T10:00:00Z' },
            { by: 'slack:U3', name: 'carol', at: '2026-11-29T10:05:00Z' },
          ],
        },
      }),
      context,
    );
    expect(receipt).toMatchObject({ reference: 'PROJ-1', summary: 'PROJ-1: noted waiver WVR-3 approved' });
    const comments = JSON.stringify(jira.issue('PROJ-1').comments);
    expect(comments).toContain('Waiver WVR-3 approved (2 of 2 approvals).');
    expect(comments).toContain('Reason: flaky upstream sandbox');
    expect(comments).toContain('bob');
    expect(comments).toContain('carol');
  });

  it('refuses a waiver event without its waiver block, naming the field, and sends nothing', async () => {
    const c = await connector();
    await expect(c.deliver(event('waiver_rejected', { waiver: { id: 'WVR-4' } }), context)).rejects.toThrow(
      /waiver\.reason/,
    );
    expect(jira.of('createIssue')).toHaveLength(0);
  });
});

describe('Jira connector: errors at the boundary', () => {
  it('an expired token is an AuthError naming the secrets to check, without the token', async () => {
    const c = await connector('', 'expired-token-000000000000');
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.jira.api_token');
    expect((error as Error).message).not.toContain('expired-token-000000000000');
  });

  it('a 429 is a RateLimitedError carrying Jira’s Retry-After', async () => {
    const c = await connector();
    jira.script('search', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { errorMessages: ['Rate limit'] },
    });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('check() reports refused credentials with the key to check, even when Jira echoes the token', async () => {
    const c = await connector();
    jira.script('project', { status: 401, body: { errorMessages: [`bad token ${JIRA_TOKEN}`], errors: {} } });
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('integrations.jira.api_token');
    expect(health.detail).not.toContain(JIRA_TOKEN);
  });

  it('check() reads the API user and the project, and says which transitions are configured', async () => {
    const c = await connector();
    expect(await c.check()).toEqual({
      ok: true,
      detail:
        'Jira Cloud as Threadline: project PROJ (Project), Story issues, transitions approve → 21, implement → 31',
    });
    expect(jira.of('myself')).toHaveLength(1);
  });
});
