import { describe, expect, it } from 'vitest';
import { FakeGitHub, GITHUB_TOKEN, OWNER, REPO } from '../fakes/github.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { consoleHarness } from '../support/console-session.js';

describe('/ops ticket with GitHub beside Jira (through the console platform)', () => {
  const tickets = consoleHarness();

  async function session() {
    const [github, jira] = await Promise.all([
      FakeGitHub.start().then(tickets.track),
      FakeJira.start().then(tickets.track),
    ]);
    const run = await tickets.open({
      label: 'gh-tickets',
      extra: `
integrations:
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${JIRA_TOKEN}"
    project_key: "PROJ"
  github_projects:
    enabled: true
    api_url: "${github.baseUrl}"
    token: "\${GITHUB_TOKEN}"
    repository: "${OWNER}/${REPO}"
    project_number: 1
    status_mappings: { draft: "Backlog" }
`,
      env: { GITHUB_TOKEN },
    });
    return { run, github, jira };
  }

  it('creates, comments on and closes a GitHub issue by its owner/repo#N key; a Jira key still goes to Jira', async () => {
    const { run, github, jira } = await session();
    const created = await run('ticket create "User Authentication" --system github');
    expect(created).toContain(`🎫 ${OWNER}/${REPO}#1: User Authentication`);
    expect(created).toContain('Status: Backlog');
    expect(created).toContain(`https://github.com/${OWNER}/${REPO}/issues/1`);
    expect(github.issue(1).labels).toEqual([]);

    expect(await run(`ticket comment ${OWNER}/${REPO}#1 rolled back`)).toContain(
      `💬 Commented on ${OWNER}/${REPO}#1`,
    );
    // The request's own marker ends the comment, hidden in an HTML comment.
    expect(github.issue(1).comments.map((c) => c.body)).toEqual([
      expect.stringMatching(
        /^rolled back\n— console:alice via Threadline\n\n<!-- threadline:request\.console\.[\w.:-]+ -->$/,
      ),
    ]);

    expect(await run(`ticket close ${OWNER}/${REPO}#1`)).toContain(`✅ ${OWNER}/${REPO}#1 is Closed`);
    expect(github.issue(1).state).toBe('closed');

    await run('ticket create "Flaky deploy" --system jira');
    await run('ticket close PROJ-1');
    expect(jira.statusOf('PROJ-1')).toBe('Done');
    expect(github.issues.size).toBe(1);
  });
});
