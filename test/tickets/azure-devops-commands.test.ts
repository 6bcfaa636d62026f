import { describe, expect, it } from 'vitest';
import { AZURE_PAT, FakeAzureDevOps, ORGANIZATION, PROJECT } from '../fakes/azure-devops.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { consoleHarness } from '../support/console-session.js';

describe('/ops ticket with Azure DevOps next to Jira (through the console platform)', () => {
  const tickets = consoleHarness();

  async function session() {
    const azure = tickets.track(await FakeAzureDevOps.start());
    const jira = tickets.track(await FakeJira.start());
    const run = await tickets.open({
      label: 'azure-tickets',
      extra: `
integrations:
  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${JIRA_TOKEN}"
    project_key: "PROJ"
  azure_devops:
    enabled: true
    base_url: "${azure.baseUrl}"
    organization: "${ORGANIZATION}"
    project: "${PROJECT}"
    pat: "\${AZURE_DEVOPS_PAT}"
`,
      env: { AZURE_DEVOPS_PAT: AZURE_PAT },
    });
    return { run, azure, jira };
  }

  it('creates a work item with --system azure, comments on it and closes it by its id', async () => {
    const { run, azure, jira } = await session();
    const out = await run('ticket create "Checkout returns 500 for EU cards" --system azure');
    expect(out).toContain('🎫 1201: Checkout returns 500 for EU cards');
    expect(out).toContain('Tracker: Azure DevOps');
    expect(out).toContain('Status: New');
    expect(out).toContain(`${azure.baseUrl}/${ORGANIZATION}/${PROJECT}/_workitems/edit/1201`);
    expect(jira.issues.size).toBe(0);

    const commented = await run('ticket comment 1201 rolled back, looking into it');
    expect(commented).toContain('Commented on 1201');
    expect(azure.item(1201).comments).toEqual([
      expect.stringMatching(
        /^<p>rolled back, looking into it<\/p><p>— console:alice via Threadline<\/p><!-- threadline:request\.console\.[\w.:-]+ -->$/,
      ),
    ]);

    const closed = await run('ticket close 1201');
    expect(closed).toContain('1201 is Closed');
    expect(azure.stateOf(1201)).toBe('Closed');
    // Jira, enabled too, was not asked: the id's shape names Azure DevOps.
    expect(jira.requests).toHaveLength(0);
  });
});
