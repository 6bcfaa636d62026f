import { describe, expect, it } from 'vitest';
import type { TicketingConnector } from '../../src/connectors/ticketing/ticketing.connector.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import {
  AZURE_PAT,
  azureError,
  BOT_IDENTITY_ID,
  FakeAzureDevOps,
  ORGANIZATION,
  PROJECT,
} from '../fakes/azure-devops.js';
import { trackerHarness } from '../support/tracker-harness.js';
import { context, event, spec } from './support.js';

let azure: FakeAzureDevOps;
let prefix: string;
const tracker = trackerHarness({
  name: 'azure_devops',
  label: 'azure',
  start: async (keys) => {
    prefix = keys;
    azure = await FakeAzureDevOps.start();
    return azure;
  },
});
const { redis } = tracker;

const MAPPINGS = '    state_mappings: { approved: "Active", implemented: "Resolved" }';

async function connector(extra = MAPPINGS, pat = AZURE_PAT): Promise<TicketingConnector> {
  return tracker.connector(`
  azure_devops:
    enabled: true
    base_url: "${azure.baseUrl}"
    organization: "${ORGANIZATION}"
    project: "${PROJECT}"
    pat: "${pat}"
    work_item_type: "User Story"
    area_path: "${PROJECT}\\\\Team"
    iteration_path: "${PROJECT}\\\\Sprint 1"
${extra}
`);
}

describe('Azure DevOps connector: the spec lifecycle', () => {
  it('opens one User Story per spec on spec_created with a JSON Patch: title, HTML description, area, iteration, spec tag', async () => {
    const c = await connector();
    const receipt = await c.deliver(
      event('spec_created', { spec: { ...spec, acceptance_criteria: ['Users can log in', 'A < B & C'] } }),
      context,
    );
    expect(receipt).toMatchObject({ reference: '1201', summary: 'opened 1201 for FEAT-0001' });
    const [create] = azure.of('createWorkItem');
    expect(create?.path).toBe(`/${ORGANIZATION}/${PROJECT}/_apis/wit/workitems/$User%20Story`);
    expect(create?.query.get('api-version')).toBe('7.1');
    expect(create?.headers['content-type']).toBe('application/json-patch+json');
    expect(create?.json).toEqual([
      { op: 'add', path: '/fields/System.Title', value: 'FEAT-0001: User Authentication' },
      {
        op: 'add',
        path: '/fields/System.Description',
        value:
          '<p>Spec FEAT-0001 (draft).</p><p>File: specs/features/FEAT-0001.yaml</p><p>Acceptance criteria:</p><ul><li>Users can log in</li><li>A &lt; B &amp; C</li></ul>',
      },
      { op: 'add', path: '/fields/System.AreaPath', value: 'Fabrikam\\Team' },
      { op: 'add', path: '/fields/System.IterationPath', value: 'Fabrikam\\Sprint 1' },
      { op: 'add', path: '/fields/System.Tags', value: 'spec:FEAT-0001' },
    ]);
    expect(azure.item(1201).fields['System.State']).toBe('New');
  });

  it('never opens a second work item for a spec: a later event finds the stored link', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    await c.deliver(event('spec_created', {}, 'evt-replayed'), context);
    await c.deliver(event('spec_approved'), context);
    expect(azure.items.size).toBe(1);
    expect(azure.of('createWorkItem')).toHaveLength(1);
    // The stored link answers: WIQL runs only before the first create.
    expect(azure.of('wiql')).toHaveLength(1);
  });

  it('finds the work item by its spec tag (WIQL) when a crash came between create and storing the link: still one', async () => {
    const c = await connector();
    // The first try created the work item, then the worker died before the link was stored.
    await c.tickets.tracker.create({ title: 'FEAT-0001: User Authentication', specId: 'FEAT-0001' });
    const receipt = await c.deliver(event('spec_created'), context);
    expect(receipt).toMatchObject({ reference: '1201', summary: '1201 for FEAT-0001' });
    expect(azure.items.size).toBe(1);
    expect(azure.of('wiql')[0]?.json).toEqual({
      query:
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS 'spec:FEAT-0001' ORDER BY [System.Id] ASC",
    });
    expect(await redis.get(`${prefix}:tickets:azure:link:spec:FEAT-0001`)).toContain('1201');
  });

  it('moves the work item to the mapped states on spec_approved and implementation_completed', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    const approved = await c.deliver(event('spec_approved'), context);
    expect(approved.summary).toBe('1201 moved to Active');
    expect(azure.stateOf(1201)).toBe('Active');
    await c.deliver(event('implementation_completed'), context);
    expect(azure.stateOf(1201)).toBe('Resolved');
    expect(azure.of('updateWorkItem').map((r) => r.json)).toEqual([
      [{ op: 'add', path: '/fields/System.State', value: 'Active' }],
      [{ op: 'add', path: '/fields/System.State', value: 'Resolved' }],
    ]);
    // A replayed approval finds the item past Active and moves it (Azure's states are not ordered), so
    // only a work item already in the mapped state is left alone.
    await c.deliver(event('implementation_completed', {}, 'evt-again'), context);
    expect(azure.of('updateWorkItem')).toHaveLength(2);
  });

  it('skips a stage without a mapped state and says so', async () => {
    const c = await connector('');
    const receipt = await c.deliver(event('spec_approved'), context);
    expect(receipt.summary).toBe('opened 1201: no azure transition is configured for approved');
    expect(azure.of('updateWorkItem')).toHaveLength(0);
  });

  it('names the states of the type when a mapped state does not exist, and is not retried', async () => {
    const c = await connector('    state_mappings: { approved: "Doing" }');
    const error = await c.deliver(event('spec_approved'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'Azure DevOps state "Doing" (integrations.azure_devops.state_mappings.approved) is not a state of User Story; states: New (Proposed), Active (InProgress), Resolved (Resolved), Closed (Completed), Removed (Removed)',
    );
    expect(azure.of('updateWorkItem')).toHaveLength(0);
  });

  it('links the pull request once as a Hyperlink relation, however often pr_created arrives', async () => {
    const c = await connector();
    const pr = { number: 42, url: 'https://github.com/org/repo/pull/42', title: 'Add login' };
    await c.deliver(event('pr_created', { pr }), context);
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), context);
    expect(azure.item(1201).relations).toEqual([
      {
        rel: 'Hyperlink',
        url: 'https://github.com/org/repo/pull/42',
        attributes: { comment: 'PR #42: Add login' },
      },
    ]);
    expect(azure.of('updateWorkItem')).toHaveLength(1);
  });

  it('closes the work item on pr_merged in the first Completed state; one already closed stays', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('pr_merged', { pr: { number: 42 } }), context);
    expect(receipt.summary).toBe('opened 1201 is Closed');
    expect(azure.stateOf(1201)).toBe('Closed');
    await c.deliver(event('pr_merged', { pr: { number: 42 } }, 'evt-merged-again'), context);
    expect(azure.of('updateWorkItem')).toHaveLength(1);
  });

  it('closes in state_mappings.done when it is set', async () => {
    const c = await connector('    state_mappings: { done: "Removed" }');
    await c.deliver(event('pr_merged', { pr: { number: 42 } }), context);
    expect(azure.stateOf(1201)).toBe('Removed');
  });

  it('comments the error of implementation_failed and validation_failed as escaped HTML (comments API 7.1-preview.4)', async () => {
    const c = await connector();
    await c.deliver(
      event('implementation_failed', {
        error: { message: 'tests failed: <3 of 120>', logs_url: 'https://ci.example.com/runs/9' },
      }),
      { deliveryId: 'evt-failed.azure_devops', attempt: 1 },
    );
    await c.deliver(event('validation_failed', { error: 'spec.owner is required' }), {
      deliveryId: 'evt-invalid.azure_devops',
      attempt: 1,
    });
    expect(azure.of('addComment')[0]?.query.get('api-version')).toBe('7.1-preview.4');
    expect(azure.item(1201).comments).toEqual([
      '<p>Spec Implementation Failed: tests failed: &lt;3 of 120&gt;</p><p>Logs: https://ci.example.com/runs/9</p><!-- threadline:evt-failed.azure_devops -->',
      '<p>Spec Validation Failed: spec.owner is required</p><!-- threadline:evt-invalid.azure_devops -->',
    ]);
  });

  it('does not comment twice when the answer to the first post was lost in a timeout', async () => {
    const c = await connector(`${MAPPINGS}\n    timeout_ms: 400`);
    await c.deliver(event('spec_created'), { deliveryId: 'evt-created.azure_devops', attempt: 1 });
    azure.script('addComment', { stall: true });
    const failed = event('validation_failed', { error: 'spec.owner is required' });
    const delivery = { deliveryId: 'evt-invalid.azure_devops', attempt: 1 };
    await expect(c.deliver(failed, delivery)).rejects.toBeInstanceOf(TransientError);
    expect(azure.item(1201).comments).toHaveLength(1);
    const retry = await c.deliver(failed, { ...delivery, attempt: 2 });
    expect(retry.summary).toBe('1201: had already been commented validation_failed');
    expect(azure.item(1201).comments).toHaveLength(1);
    expect(azure.of('listComments')[0]?.query.get('order')).toBe('desc');
  });

  it('refuses a key that is not a work item id, naming the shape', async () => {
    const c = await connector();
    const error = await c.tickets.tracker.comment('PROJ-1', 'hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('"PROJ-1" is not an Azure DevOps work item id like 1201');
    expect(c.tickets.tracker.recognises('1201')).toBe(true);
  });

  it('reads a work item with its link and status; one that does not exist is NotFound with Azure’s reason', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), context);
    expect(await c.tickets.tracker.get('1201')).toEqual({
      key: '1201',
      url: `${azure.baseUrl}/${ORGANIZATION}/${PROJECT}/_workitems/edit/1201`,
      status: 'New',
      title: 'FEAT-0001: User Authentication',
    });
    const missing = await c.tickets.tracker.get('999').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toContain('TF401232: Work item 999 does not exist');
  });

  it('knows its own identity from connectionData, for echo suppression', async () => {
    const c = await connector();
    expect(await c.tickets.tracker.ownActor?.()).toBe(BOT_IDENTITY_ID);
    expect(await c.tickets.tracker.ownActor?.()).toBe(BOT_IDENTITY_ID);
    expect(azure.of('connectionData')).toHaveLength(1);
  });
});

describe('Azure DevOps connector: errors at the boundary', () => {
  it('an expired PAT is an AuthError naming the secret to check, without the PAT', async () => {
    const c = await connector(MAPPINGS, 'expired-pat-0000000000000000000000');
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.azure_devops.pat');
    expect((error as Error).message).not.toContain('expired-pat-0000000000000000000000');
  });

  it('a 203 sign-in page (how Azure can answer a PAT it does not take) is an AuthError too', async () => {
    const c = await connector();
    azure.script('wiql', { status: 203, body: '<html>Sign In</html>' });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.azure_devops.pat');
  });

  it('a 429 is a RateLimitedError carrying Azure’s Retry-After', async () => {
    const c = await connector();
    azure.script('wiql', {
      ...azureError(429, 'RequestBlockedException', 'Request was blocked'),
      headers: { 'retry-after': '7' },
    });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it('a 429 without Retry-After waits until X-RateLimit-Reset', async () => {
    const c = await connector();
    const reset = Math.ceil(Date.now() / 1000) + 30;
    azure.script('wiql', {
      ...azureError(429, 'RequestBlockedException', 'Request was blocked'),
      headers: { 'x-ratelimit-reset': String(reset) },
    });
    const error = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const wait = (error as RateLimitedError).retryAfterMs;
    expect(wait).toBeGreaterThan(20_000);
    expect(wait).toBeLessThanOrEqual(31_000);
  });

  it('a 503 while Azure is throttling is retried after its Retry-After; one without is a transient failure', async () => {
    const c = await connector();
    azure.script(
      'wiql',
      { ...azureError(503, 'ServiceUnavailableException', 'throttled'), headers: { 'retry-after': '3' } },
      azureError(503, 'ServiceUnavailableException', 'TF400898: unavailable'),
    );
    const first = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RateLimitedError);
    expect((first as RateLimitedError).retryAfterMs).toBe(3_000);
    const second = await c.deliver(event('spec_created'), context).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(TransientError);
  });

  it('check() reports refused credentials with the key to check, even when Azure echoes the PAT', async () => {
    const c = await connector();
    azure.script('project', { status: 401, body: `bad PAT ${AZURE_PAT}` });
    const health = await c.check();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('integrations.azure_devops.pat');
    expect(health.detail).not.toContain(AZURE_PAT);
  });

  it('check() reads the project and the type’s states, and says which states are mapped', async () => {
    const c = await connector();
    expect(await c.check()).toEqual({
      ok: true,
      detail: 'project Fabrikam, User Story work items, states approved → Active, implemented → Resolved',
    });
  });

  it('check() is not ok when a mapped state is not a state of the work item type', async () => {
    const c = await connector('    state_mappings: { approved: "Doing" }');
    expect(await c.check()).toEqual({
      ok: false,
      detail:
        'state_mappings.approved "Doing" is not a state of User Story; states: New (Proposed), Active (InProgress), Resolved (Resolved), Closed (Completed), Removed (Removed)',
    });
  });
});
