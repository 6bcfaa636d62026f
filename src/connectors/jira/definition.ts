import type { ConfigProblem } from '../../core/errors.js';
import { defineConnector, requiredKey } from '../definition.js';
import { JiraIntegration } from './schema.js';

/** Validated today, not delivered yet: ticketing arrives in step 3. */
export const jiraConnector = defineConnector({
  name: 'jira',
  schema: JiraIntegration,
  environment: { base_url: 'JIRA_BASE_URL', email: 'JIRA_EMAIL', api_token: 'JIRA_API_TOKEN' },
  requires(block) {
    const problems: ConfigProblem[] = [];
    if (!block.base_url) problems.push(requiredKey('base_url', 'set JIRA_BASE_URL'));
    if (!block.email) problems.push(requiredKey('email', 'set JIRA_EMAIL'));
    if (!block.api_token) problems.push(requiredKey('api_token', 'set JIRA_API_TOKEN'));
    return problems;
  },
  arrives: 'ticketing, step 3',
});
