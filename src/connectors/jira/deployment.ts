import type { ConfigProblem } from '../../core/errors.js';
import { missingKeys, requiredKey } from '../definition.js';
import type { JiraDeployment, JiraIntegrationConfig } from './schema.js';

/**
 * Which Jira a block speaks to. `deployment` decides when set. Otherwise a site on
 * `*.atlassian.net` is Cloud; elsewhere Data Center credentials (a personal access token, or a
 * username) mean Data Center, and e-mail plus API token keep meaning Cloud, as they always did.
 */
export function jiraDeployment(block: JiraIntegrationConfig): JiraDeployment {
  if (block.deployment) return block.deployment;
  if (block.base_url && isAtlassianCloud(block.base_url)) return 'cloud';
  return block.personal_access_token || block.username ? 'data_center' : 'cloud';
}

function isAtlassianCloud(url: string): boolean {
  try {
    return new URL(url).hostname.toLowerCase().endsWith('.atlassian.net');
  } catch {
    return false;
  }
}

/** How requests authenticate, and which settings to name when Jira refuses them. */
export type JiraAuth =
  | { kind: 'basic'; user: string; secret: string; keys: string }
  | { kind: 'bearer'; token: string; keys: string };

/** The block's credentials for its deployment; undefined when they are missing (see jiraRequirements). */
export function jiraAuth(block: JiraIntegrationConfig): JiraAuth | undefined {
  if (jiraDeployment(block) === 'cloud') {
    const { email, api_token } = block;
    return email && api_token
      ? {
          kind: 'basic',
          user: email,
          secret: api_token,
          keys: 'integrations.jira.email and integrations.jira.api_token',
        }
      : undefined;
  }
  // A personal access token wins over a password: it is what Data Center recommends for tools.
  if (block.personal_access_token)
    return {
      kind: 'bearer',
      token: block.personal_access_token,
      keys: 'integrations.jira.personal_access_token',
    };
  const { username, password } = block;
  return username && password
    ? {
        kind: 'basic',
        user: username,
        secret: password,
        keys: 'integrations.jira.username and integrations.jira.password',
      }
    : undefined;
}

/** What an enabled Jira block cannot work without, for its deployment. */
export function jiraRequirements(block: JiraIntegrationConfig): ConfigProblem[] {
  const problems = missingKeys(block, { base_url: 'set JIRA_BASE_URL' });
  if (jiraDeployment(block) === 'cloud')
    return [...problems, ...missingKeys(block, { email: 'set JIRA_EMAIL', api_token: 'set JIRA_API_TOKEN' })];
  if (block.personal_access_token) return problems;
  if (block.username)
    return [
      ...problems,
      ...missingKeys(block, { password: 'set JIRA_PASSWORD, or use personal_access_token' }),
    ];
  return [
    ...problems,
    requiredKey(
      'personal_access_token',
      'set JIRA_PERSONAL_ACCESS_TOKEN (a Data Center personal access token), or username and password',
    ),
  ];
}
