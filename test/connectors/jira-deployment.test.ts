import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { jiraConnector } from '../../src/connectors/jira/definition.js';
import { jiraDeployment } from '../../src/connectors/jira/deployment.js';
import { ConfigError } from '../../src/core/errors.js';

function jiraBlock(yaml: string, env: Record<string, string> = {}) {
  const { config } = parseConfigText(
    `integrations:\n  jira:\n    enabled: true\n    project_key: PROJ\n${yaml}`,
    env,
  );
  const block = config.integrations.jira;
  if (!block) throw new Error('no jira block');
  return block;
}

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    jiraBlock(yaml, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
  }
}

describe('integrations.jira.deployment', () => {
  it("keeps the Integrations Guide's block Jira Cloud: an atlassian.net site with e-mail and API token", () => {
    const block = jiraBlock(`    base_url: "https://your-domain.atlassian.net"
    email: "bot@example.com"
    api_token: "ATATT-token-0123456789"
    issue_type: "Story"
    transition_on_approve: "21"`);
    expect(jiraDeployment(block)).toBe('cloud');
  });

  it('is Data Center on a self-hosted site given a personal access token, or a username', () => {
    expect(
      jiraDeployment(
        jiraBlock(
          `    base_url: "https://jira.example.com"\n    personal_access_token: "pat-0123456789abcdef"`,
        ),
      ),
    ).toBe('data_center');
    expect(
      jiraDeployment(
        jiraBlock(
          `    base_url: "https://jira.example.com"\n    username: "bot"\n    password: "p4ssw0rd-123"`,
        ),
      ),
    ).toBe('data_center');
  });

  it('stays Cloud for e-mail and API token on any other host, and follows an explicit setting', () => {
    expect(
      jiraDeployment(
        jiraBlock(
          `    base_url: "https://jira.example.com"\n    email: "a@b.c"\n    api_token: "token-0123456789"`,
        ),
      ),
    ).toBe('cloud');
    expect(
      jiraDeployment(
        jiraBlock(`    base_url: "https://your-domain.atlassian.net"
    deployment: data_center
    personal_access_token: "pat-0123456789abcdef"`),
      ),
    ).toBe('data_center');
  });

  it('takes the Data Center credentials from JIRA_PERSONAL_ACCESS_TOKEN when the block leaves them out', () => {
    const block = jiraBlock(`    base_url: "https://jira.example.com"\n    deployment: data_center`, {
      JIRA_PERSONAL_ACCESS_TOKEN: 'pat-from-env-0123456789',
    });
    expect(block.personal_access_token).toBe('pat-from-env-0123456789');
  });

  it('asks a Data Center block for a personal access token (or username and password), not for the Cloud keys', () => {
    expect(problemsOf(`    base_url: "https://jira.example.com"\n    deployment: data_center`)).toEqual([
      'integrations.jira.personal_access_token: is required when the integration is enabled (set JIRA_PERSONAL_ACCESS_TOKEN (a Data Center personal access token), or username and password)',
    ]);
    expect(problemsOf(`    base_url: "https://jira.example.com"\n    username: "bot"`)).toEqual([
      'integrations.jira.password: is required when the integration is enabled (set JIRA_PASSWORD, or use personal_access_token)',
    ]);
  });

  it('refuses a deployment it does not know, naming the choices', () => {
    expect(problemsOf(`    base_url: "https://jira.example.com"\n    deployment: server`).join('\n')).toMatch(
      /integrations\.jira\.deployment: .*cloud.*data_center/,
    );
  });

  it('is named "jira (Data Center)" by validate for Data Center, and plain "jira" for the guide’s Cloud', () => {
    const dc = jiraBlock(
      `    base_url: "https://jira.example.com"\n    personal_access_token: "pat-0123456789abcdef"`,
    );
    expect(jiraConnector.describe?.(dc)).toBe('jira (Data Center)');
    const cloud = jiraBlock(
      `    base_url: "https://x.atlassian.net"\n    email: "a@b.c"\n    api_token: "t-0123456789"`,
    );
    expect(jiraConnector.describe?.(cloud)).toBe('jira');
  });

  it('counts a personal access token among the secrets every log line and dead letter is scrubbed of', () => {
    const { secrets } = parseConfigText(
      `integrations:\n  jira:\n    enabled: true\n    project_key: PROJ\n    base_url: "https://jira.example.com"\n    personal_access_token: "pat-0123456789abcdef"\n`,
      {},
    );
    expect(secrets).toContain('pat-0123456789abcdef');
  });
});
