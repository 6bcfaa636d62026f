import { describe, expect, it } from 'vitest';
import { statusChange } from '../../src/connectors/jira/hook.js';
import type { TicketingConnector } from '../../src/connectors/ticketing/ticketing.connector.js';
import { AuthError, TransientError, ValidationError } from '../../src/core/errors.js';
import {
  BOT_USER_NAME,
  FakeJira,
  JIRA_PASSWORD,
  JIRA_PAT,
  JIRA_USERNAME,
  PERSON_USER_NAME,
} from '../fakes/jira.js';
import { trackerHarness } from '../support/tracker-harness.js';
import { stored } from './support.js';

let jira: FakeJira;
const tracker = trackerHarness({
  name: 'jira',
  label: 'jira-dc',
  start: async () => {
    jira = await FakeJira.start({ deployment: 'data_center' });
    return jira;
  },
});

const PAT = `    personal_access_token: "${JIRA_PAT}"`;

/** A Data Center site on its own host: the personal access token is what says Data Center. */
async function connector(extra = '', credentials = PAT, approve = '21'): Promise<TicketingConnector> {
  return tracker.connector(`
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
${credentials}
    project_key: "PROJ"
    issue_type: "Story"
    transition_on_approve: "${approve}"
    transition_on_implement: "31"
${extra}
`);
}

const spec = { id: 'FEAT-0001', title: 'User Authentication', status: 'draft' };

function event(name: string, extra: Record<string, unknown> = {}, id = `evt-${name}`) {
  return stored({ event: name, spec, ...extra }, id);
}

function delivery(id: string, attempt = 1) {
  return { deliveryId: `${id}.jira`, attempt };
}

describe('Jira Data Center connector: the spec lifecycle over REST v2', () => {
  it('opens one Story per spec with the personal access token as Bearer, described in wiki markup', async () => {
    const c = await connector();
    const receipt = await c.deliver(event('spec_created'), delivery('evt-created'));
    expect(receipt).toMatchObject({ reference: 'PROJ-1', summary: 'opened PROJ-1 for FEAT-0001' });
    const [search] = jira.of('search');
    expect(search?.path).toBe('/rest/api/2/search');
    expect(search?.json).toMatchObject({
      jql: 'project = "PROJ" AND labels = "spec-FEAT-0001" ORDER BY created ASC',
    });
    const [create] = jira.of('createIssue');
    expect(create?.path).toBe('/rest/api/2/issue');
    expect(create?.headers.authorization).toBe(`Bearer ${JIRA_PAT}`);
    expect(create?.json).toEqual({
      fields: {
        project: { key: 'PROJ' },
        issuetype: { name: 'Story' },
        summary: 'FEAT-0001: User Authentication',
        description: 'Spec FEAT-0001 (draft).',
        labels: ['spec-FEAT-0001'],
      },
    });
    expect(jira.requests.every((r) => r.path.startsWith('/rest/api/2/'))).toBe(true);
  });

  it('sets the mapped custom fields as strings: the spec id, and the criteria as a wiki bullet list', async () => {
    const c = await connector(`    field_mappings:
      spec_id: "customfield_10001"
      acceptance_criteria: "customfield_10002"`);
    await c.deliver(
      event('spec_created', {
        spec: { ...spec, acceptance_criteria: ['Users can log in', 'Sessions *expire*'] },
      }),
      delivery('evt-created'),
    );
    const fields = jira.issue('PROJ-1').fields;
    expect(fields.customfield_10001).toBe('FEAT-0001');
    expect(fields.customfield_10002).toBe('* Users can log in\n* Sessions \\*expire\\*');
  });

  it('creates the sub-tasks with the sub-task type Data Center lists as a page of values', async () => {
    const c = await connector('    create_subtasks: true');
    await c.deliver(
      event('spec_created', { spec: { ...spec, acceptance_criteria: ['Log in', 'Log out'] } }),
      delivery('evt-created'),
    );
    const subtasks = [...jira.issues.values()].filter((i) => i.parent === 'PROJ-1');
    expect(subtasks.map((i) => i.fields.summary)).toEqual(['Log in', 'Log out']);
  });

  it('finds the issue by its label when a crash came between create and storing the link', async () => {
    const c = await connector();
    await c.tickets.tracker.create({ title: 'FEAT-0001: User Authentication', specId: 'FEAT-0001' });
    const receipt = await c.deliver(event('spec_created'), delivery('evt-created'));
    expect(receipt.reference).toBe('PROJ-1');
    expect(jira.issues.size).toBe(1);
  });

  it('moves the issue by transition id, and leaves it where a replayed approval finds it', async () => {
    const c = await connector();
    await c.deliver(event('spec_approved'), delivery('evt-approved'));
    await c.deliver(event('spec_approved', {}, 'evt-again'), delivery('evt-again'));
    expect(jira.statusOf('PROJ-1')).toBe('In Progress');
    await c.deliver(event('implementation_completed'), delivery('evt-done'));
    expect(jira.statusOf('PROJ-1')).toBe('Done');
    expect(jira.of('doTransition').map((r) => r.json)).toEqual([
      { transition: { id: '21' } },
      { transition: { id: '31' } },
    ]);
  });

  it('names the available transitions when a configured id is wrong (Data Center lists no isAvailable)', async () => {
    const c = await connector('', PAT, '99');
    const error = await c.deliver(event('spec_approved'), delivery('evt-approved')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'Jira transition 99 (integrations.jira.transition_on_approve) is not available for PROJ-1 in status "To Do"; available: 21 "In Progress" → In Progress, 31 "Done" → Done',
    );
  });

  it('links the pull request once as a remote link, and closes the issue on pr_merged', async () => {
    const c = await connector();
    const pr = { number: 42, url: 'https://github.com/org/repo/pull/42', title: 'Add login' };
    await c.deliver(event('pr_created', { pr }), delivery('evt-pr'));
    await c.deliver(event('pr_created', { pr }, 'evt-pr-again'), delivery('evt-pr-again'));
    expect(jira.issue('PROJ-1').remoteLinks).toEqual([
      {
        globalId: 'https://github.com/org/repo/pull/42',
        object: { url: 'https://github.com/org/repo/pull/42', title: 'PR #42: Add login' },
      },
    ]);
    const closed = await c.deliver(event('pr_merged', { pr: { number: 42 } }), delivery('evt-merged'));
    expect(closed.summary).toBe('PROJ-1 is Done');
  });

  it('comments in wiki markup, markup characters escaped but URLs left whole, with the delivery marker in grey', async () => {
    const c = await connector();
    await c.deliver(
      event('implementation_failed', {
        error: { message: 'expected {x} got [y] | *z*', logs_url: 'https://ci.example.com/runs/9_a-b' },
      }),
      delivery('evt-failed'),
    );
    expect(jira.issue('PROJ-1').comments).toEqual([
      'Spec Implementation Failed: expected \\{x\\} got \\[y\\] \\| \\*z\\*\nLogs: https://ci.example.com/runs/9_a-b\n{color:#97a0af}threadline:evt-failed.jira{color}',
    ]);
  });

  it('does not comment twice when the answer to the first post was lost in a timeout', async () => {
    const c = await connector('    timeout_ms: 400');
    await c.deliver(event('spec_created'), delivery('evt-created'));
    jira.script('comment', { stall: true });
    const failed = event('validation_failed', { error: 'spec.owner is required' });
    await expect(c.deliver(failed, delivery('evt-invalid'))).rejects.toBeInstanceOf(TransientError);
    const retry = await c.deliver(failed, delivery('evt-invalid', 2));
    expect(retry.summary).toBe('PROJ-1: had already been commented validation_failed');
    expect(jira.issue('PROJ-1').comments).toHaveLength(1);
    expect(jira.of('listComments')[0]?.path).toBe('/rest/api/2/issue/PROJ-1/comment');
  });
});

describe('Jira Data Center connector: who it is and how it signs in', () => {
  it('signs in with username and password (basic auth) where no personal access token is set', async () => {
    const c = await connector('', `    username: "${JIRA_USERNAME}"\n    password: "${JIRA_PASSWORD}"`);
    await c.deliver(event('spec_created'), delivery('evt-created'));
    expect(jira.of('createIssue')[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${JIRA_USERNAME}:${JIRA_PASSWORD}`).toString('base64')}`,
    );
  });

  it('a refused token is an AuthError naming personal_access_token, without the token', async () => {
    const c = await connector('', '    personal_access_token: "expired-pat-0000000000000000"');
    const error = await c.deliver(event('spec_created'), delivery('evt-created')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('integrations.jira.personal_access_token');
    expect((error as Error).message).not.toContain('expired-pat-0000000000000000');
  });

  it('check() reads GET /rest/api/2/myself and the project, and says it is Data Center', async () => {
    const c = await connector();
    expect(await c.check()).toEqual({
      ok: true,
      detail:
        'Jira Data Center as Threadline: project PROJ (Project), Story issues, transitions approve → 21, implement → 31',
    });
    expect(jira.of('myself')[0]?.path).toBe('/rest/api/2/myself');
  });

  it('knows its own user by name, as Data Center webhooks name the actor: its own move is recognised', async () => {
    const c = await connector();
    await c.deliver(event('spec_created'), delivery('evt-created'));
    const own = await c.tickets.tracker.ownActor?.();
    expect(own).toBe(BOT_USER_NAME);
    expect(statusChange(jira.move('PROJ-1', 'Done', BOT_USER_NAME))?.actor).toBe(own);
    expect(statusChange(jira.move('PROJ-1', 'In Progress'))?.actor).toBe(PERSON_USER_NAME);
  });
});
