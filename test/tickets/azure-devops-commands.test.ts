import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { type ConsoleSession, openConsoleSession } from '../../src/chat/console-session.js';
import { AZURE_PAT, FakeAzureDevOps, ORGANIZATION, PROJECT } from '../fakes/azure-devops.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../fakes/jira.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';

describe('/ops ticket with Azure DevOps next to Jira (through the console platform)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function session() {
    const azure = await FakeAzureDevOps.start();
    const jira = await FakeJira.start();
    const prefix = uniquePrefix('azure-tickets');
    cleanup.push(
      () => azure.close(),
      () => jira.close(),
      () => dropPrefix(prefix),
    );
    const loaded = testConfig(
      prefix,
      `
rbac: { roles: { responder: ["console:alice"] } }
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
      { AZURE_DEVOPS_PAT: AZURE_PAT },
    );
    const output: string[] = [];
    const write = (t: string) => output.push(t);
    const app = await assemble(loaded, { role: 'console', logger: capturingLogger(loaded).logger, write });
    cleanup.push(() => app.close());
    const s: ConsoleSession = openConsoleSession(app.chat, { user: 'alice', write });
    const run = async (line: string) => {
      const before = output.length;
      await s.settle(await s.run(line));
      return output.slice(before).join('');
    };
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
