import { describe, expect, it } from 'vitest';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { consoleHarness } from '../support/console-session.js';

describe('/ops ticket with Jira (through the console platform)', () => {
  const tickets = consoleHarness();

  async function session() {
    const jira = tickets.track(await FakeJira.start());
    const run = await tickets.open({
      label: 'tickets',
      extra: `
integrations:
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "\${JIRA_API_TOKEN}"
    project_key: "PROJ"
`,
      env: { JIRA_API_TOKEN: JIRA_TOKEN },
    });
    return { run, jira };
  }

  it('creates a ticket and answers with a card showing its key, status and link, in the ticket’s thread', async () => {
    const { run, jira } = await session();
    const out = await run('ticket create "Checkout returns 500 for EU cards"');
    expect(out).toContain('⏳ Creating ticket "Checkout returns 500 for EU cards"…');
    expect(out).toContain('🎫 PROJ-1: Checkout returns 500 for EU cards');
    expect(out).toContain('Status: To Do');
    expect(out).toContain(`${jira.baseUrl}/browse/PROJ-1`);
    expect(out).toContain('[#2 ↳ in thread #1]\n• 🎫 Opened PROJ-1');
    expect(jira.issue('PROJ-1').fields.summary).toBe('Checkout returns 500 for EU cards');
  });

  it('with --spec, opens the spec’s ticket once: the spec events and a second create find the same issue', async () => {
    const { run, jira } = await session();
    const first = await run('ticket create "User Authentication" --system jira --spec FEAT-0001');
    expect(first).toContain('🎫 PROJ-1: User Authentication');
    expect(first).toContain('Spec: FEAT-0001');
    await run('ticket create "User Authentication again" --spec FEAT-0001');
    expect(jira.issues.size).toBe(1);
    expect(jira.issue('PROJ-1').fields.labels).toEqual(['spec-FEAT-0001']);
  });

  it('comments on a ticket in ADF and closes it through a done transition', async () => {
    const { run, jira } = await session();
    await run('ticket create "Flaky deploy"');
    const commented = await run('ticket comment PROJ-1 rolled back, looking into it');
    expect(commented).toContain('💬 Commented on PROJ-1');
    expect(jira.issue('PROJ-1').comments).toEqual([
      {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'rolled back, looking into it' }] },
          { type: 'paragraph', content: [{ type: 'text', text: '— console:alice via Threadline' }] },
          {
            type: 'paragraph',
            content: [
              {
                type: 'text',
                text: expect.stringMatching(/^threadline:request\.console\.[\w.:-]+$/),
                marks: [{ type: 'textColor', attrs: { color: '#97a0af' } }],
              },
            ],
          },
        ],
      },
    ]);
    const closed = await run('ticket close PROJ-1');
    expect(closed).toContain('✅ PROJ-1 is Done');
    expect(jira.statusOf('PROJ-1')).toBe('Done');
  });

  it('says which trackers are enabled when a key belongs to none of them', async () => {
    const { run } = await session();
    expect(await run('ticket close ENG-5')).toContain('ENG-5 is not a ticket key of jira');
    expect(await run('ticket create "Something" --system linear')).toContain(
      'No ticketing integration for linear is enabled: set integrations.linear.enabled: true',
    );
  });
});
