import { describe, expect, it } from 'vitest';
import type { TicketingConnector } from '../../src/connectors/ticketing/ticketing.connector.js';
import { AuthError, RateLimitedError, ValidationError } from '../../src/core/errors.js';
import {
  BUCKET_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  FakeGraph,
  graphError,
  PLAN_ID,
  TENANT,
} from '../fakes/ms-graph.js';
import { trackerHarness } from '../support/tracker-harness.js';
import { context, event, spec } from './support.js';

let graph: FakeGraph;
let prefix: string;
const tracker = trackerHarness({
  name: 'ms_project',
  label: 'msproject',
  start: async (keys) => {
    prefix = keys;
    graph = await FakeGraph.start();
    return graph;
  },
});
const { redis } = tracker;

const ALICE = 'f1b2c3d4-0000-4000-8000-00000000a11c';

async function connector(extra = '', secret = CLIENT_SECRET): Promise<TicketingConnector> {
  return tracker.connector(`
  ms_project:
    enabled: true
    api_url: "${graph.apiUrl}"
    auth_url: "${graph.baseUrl}"
    tenant_id: "${TENANT}"
    client_id: "${CLIENT_ID}"
    client_secret: "${secret}"
    plan_id: "${PLAN_ID}"
    bucket_id: "${BUCKET_ID}"
${extra}
`);
}

function onlyTask() {
  const tasks = [...graph.tasks.values()];
  expect(tasks).toHaveLength(1);
  return tasks[0]!;
}

describe('Microsoft Planner connector: the spec lifecycle', () => {
  it('opens one task per spec on spec_created in the plan and bucket, titled with the spec id, assigned as configured', async () => {
    const c = await connector(`    assignees: ["${ALICE}"]`);
    const receipt = await c.deliver(event('spec_created'), context);
    const task = onlyTask();
    expect(receipt).toMatchObject({ reference: task.id, summary: `opened ${task.id} for FEAT-0001` });
    expect(graph.of('createTask')[0]?.json).toEqual({
      planId: PLAN_ID,
      bucketId: BUCKET_ID,
      title: 'FEAT-0001: User Authentication',
      assignments: { [ALICE]: { '@odata.type': '#microsoft.graph.plannerAssignment', orderHint: ' !' } },
    });
    expect(task.assignments).toHaveProperty(ALICE);
    expect(task.details.description).toBe('Spec FEAT-0001 (draft).\nFile: specs/features/FEAT-0001.yaml');
  });

  it('asks for an app-only token with the client-credentials grant and keeps it for later calls', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_approved'), context);
    const tokens = graph.of('token');
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.path).toBe(`/${TENANT}/oauth2/v2.0/token`);
    expect(Object.fromEntries(tokens[0]?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    });
  });

  it('asks for a new token when the one it has is about to expire', async () => {
    // A token that lives less than the safety margin is never reused.
    graph.expiresIn = 30;
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const before = graph.of('token').length;
    await c.deliver(event('spec_approved'), context);
    expect(graph.of('token').length).toBeGreaterThan(before);
  });

  it('carries the acceptance criteria in the details: a checklist and the description', async () => {
    const c = await connector();
    await c.deliver(
      event('spec_created', {
        spec: { ...spec, acceptance_criteria: ['Users can log in', 'Sessions expire'] },
      }),
      context,
    );
    const { details } = onlyTask();
    expect(Object.values(details.checklist)).toEqual([
      { title: 'Users can log in', isChecked: false },
      { title: 'Sessions expire', isChecked: false },
    ]);
    expect(details.previewType).toBe('checklist');
    expect(details.description).toContain('Acceptance criteria:\n• Users can log in\n• Sessions expire');
    expect(graph.of('patchDetails')[0]?.headers['if-match']).toMatch(/^W\/"/);
  });

  it('never opens a second task for a spec: a later event finds the stored link', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_created', {}, 'evt-replayed'), context);
    await c.deliver(event('spec_approved'), context);
    expect(graph.tasks.size).toBe(1);
    expect(graph.of('createTask')).toHaveLength(1);
    // The stored link answers: the plan is listed only before the first create.
    expect(graph.of('listTasks')).toHaveLength(1);
  });

  it('finds the task in the plan when the answer to its create was lost: still one task', async () => {
    graph.pageSize = 2;
    graph.seed('FEAT-0002: Another spec');
    graph.seed('FEAT-00011: A spec whose id only starts the same');
    const c = await connector('    timeout_ms: 300');
    // Graph creates the task, then the answer never arrives: nothing in Redis knows the task.
    graph.script('createTask', { normal: true, hang: true });
    await expect(c.deliver(event('spec_created'), context)).rejects.toThrow(/did not answer/);
    expect(graph.tasks.size).toBe(3);
    const listed = graph.of('listTasks').length;

    const receipt = await c.deliver(event('spec_created'), context);
    const created = [...graph.tasks.values()].find((t) => t.title.startsWith('FEAT-0001:'));
    expect(receipt.reference).toBe(created?.id);
    expect(graph.of('createTask')).toHaveLength(1);
    // The create began and never recorded its task, so the plan was listed again, though a
    // listing was recent: the third task is on the second page, the @odata.nextLink was followed.
    expect(graph.of('listTasks').length - listed).toBe(2);
    expect(await redis.get(`${prefix}:tickets:ms_project:link:spec:FEAT-0001`)).toContain(created?.id);
  });

  it('lists the plan once for a burst of new specs, not once per create', async () => {
    graph.pageSize = 2;
    for (let i = 0; i < 6; i++) graph.seed(`Someone's task ${i}`);
    const c = await connector();
    for (let i = 1; i <= 5; i++)
      await c.deliver(event('spec_created', { spec: { ...spec, id: `FEAT-010${i}` } }, `evt-${i}`), context);
    expect(graph.of('createTask')).toHaveLength(5);
    // One listing of the plan's three pages answers for every spec created after it.
    expect(graph.of('listTasks')).toHaveLength(3);
  });

  it('finds a spec task someone made in Planner when the plan was listed, without listing it again', async () => {
    const made = graph.seed('FEAT-0001: Made by hand');
    const c = await connector();
    await c.deliver(event('spec_created', { spec: { ...spec, id: 'FEAT-0009' } }, 'evt-other'), context);
    expect(graph.of('listTasks')).toHaveLength(1);
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt.reference).toBe(made.id);
    expect(graph.of('createTask')).toHaveLength(1);
    expect(graph.of('listTasks')).toHaveLength(1);
  });

  it('sets percentComplete by stage (approved → 50, implemented → 100) with the task’s etag', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const approved = await c.deliver(event('spec_approved'), context);
    const task = onlyTask();
    expect(task.percentComplete).toBe(50);
    expect(approved.summary).toBe(`${task.id} moved to In progress (50%)`);
    const done = await c.deliver(event('implementation_completed'), context);
    expect(task.percentComplete).toBe(100);
    expect(done.summary).toBe(`${task.id} moved to Completed`);
    const patches = graph.of('patchTask');
    expect(patches.map((r) => r.json)).toEqual([{ percentComplete: 50 }, { percentComplete: 100 }]);
    for (const patch of patches) expect(patch.headers['if-match']).toMatch(/^W\/"/);
  });

  it('follows configured percentages, and never moves progress back (a replayed approval)', async () => {
    const c = await connector('    percent_on_approve: 25\n    percent_on_implement: 90');
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_approved'), context);
    expect(onlyTask().percentComplete).toBe(25);
    await c.deliver(event('implementation_completed'), context);
    expect(onlyTask().percentComplete).toBe(90);
    const replayed = await c.deliver(event('spec_approved', {}, 'evt-again'), context);
    expect(onlyTask().percentComplete).toBe(90);
    expect(replayed.summary).toContain('In progress (90%)');
    expect(graph.of('patchTask')).toHaveLength(2);
  });

  it('reads the task again and retries when someone changed it between the read and the PATCH (412)', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    graph.script(
      'patchTask',
      graphError(
        412,
        'PreconditionFailed',
        'The request does not match the current version of the resource.',
      ),
    );
    await c.deliver(event('spec_approved'), context);
    expect(onlyTask().percentComplete).toBe(50);
    expect(graph.of('patchTask')).toHaveLength(2);
  });

  it('links the pull request once as a details reference keyed by its encoded URL', async () => {
    const c = await connector();
    const pr = { number: 42, url: 'https://github.com/acme/app/pull/42', title: 'Add login' };
    await c.deliver(event('pr_created', { pr }), context);
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), context);
    expect(onlyTask().details.references).toEqual({
      'https%3A//github%2Ecom/acme/app/pull/42': { alias: 'PR #42: Add login', type: 'Other' },
    });
    // The second time the reference is there already: nothing is written.
    expect(
      graph.of('patchDetails').filter((r) => JSON.stringify(r.json).includes('references')),
    ).toHaveLength(1);
  });

  it('completes the task on pr_merged', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const receipt = await c.deliver(event('pr_merged', { pr: { number: 42 } }), context);
    expect(onlyTask().percentComplete).toBe(100);
    expect(receipt.summary).toBe(`${onlyTask().id} is Completed`);
  });

  it('appends implementation_failed and validation_failed to the description: Planner has no comments API', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('implementation_failed', { error: { message: 'tests failed: 3 of 120' } }), {
      deliveryId: 'evt-failed.ms_project',
      attempt: 1,
    });
    await c.deliver(event('validation_failed', { error: { message: 'schema: owner missing' } }), {
      deliveryId: 'evt-invalid.ms_project',
      attempt: 1,
    });
    const { description } = onlyTask().details;
    expect(description.startsWith('Spec FEAT-0001 (draft).')).toBe(true);
    expect(description).toMatch(
      /— Threadline, \d{4}-\d\d-\d\d \d\d:\d\d UTC:\nSpec Implementation Failed: tests failed: 3 of 120/,
    );
    expect(description.indexOf('tests failed')).toBeLessThan(description.indexOf('schema: owner missing'));
  });

  it('refuses a key that is not a Planner task id, naming it', async () => {
    const c = await connector();
    await expect(c.tickets.tracker.comment('PROJ-1', 'hello')).rejects.toThrow(ValidationError);
    await expect(c.tickets.tracker.comment('PROJ-1', 'hello')).rejects.toThrow(
      /"PROJ-1" is not a Planner task id/,
    );
  });
});

describe('Microsoft Planner connector: errors at the boundary', () => {
  it('an expired token is replaced once, and the call goes through', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    graph.expireTokens();
    await c.deliver(event('spec_approved'), context);
    expect(onlyTask().percentComplete).toBe(50);
    expect(graph.of('token')).toHaveLength(2);
  });

  it('a refused client secret is an AuthError naming client_secret, without the secret', async () => {
    const wrong = 'wrong~secret-0000000000000000';
    const c = await connector('', wrong);
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.ms_project.client_secret');
    expect((error as Error).message).toContain('AADSTS7000215');
    expect((error as Error).message).not.toContain(wrong);
  });

  it('a revoked app is an AuthError after one refresh: Graph refuses the token, the identity platform a new one', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    graph.revokeClient();
    const error = await c.deliver(event('spec_approved'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.ms_project.client_secret');
    expect(graph.of('token')).toHaveLength(2);
  });

  it('a 429 is a RateLimitedError carrying Graph’s Retry-After', async () => {
    const c = await connector();
    graph.script(
      'listTasks',
      graphError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': '7' }),
    );
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('check() reads the plan and the bucket and says what the stages set', async () => {
    const c = await connector();
    expect(await c.check()).toEqual({
      ok: true,
      detail: 'plan "Threadline specs", bucket "Specs"; approve → 50%, implement → 100%',
    });
  });

  it('check() reports a bucket that does not exist', async () => {
    const c = await connector();
    graph.script('getBucket', graphError(404, 'NotFound', 'The requested item is not found.'));
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/bucket .*404/);
  });
});
