import { defineConnector, missingKeys } from '../definition.js';
import { JiraIntegration } from './schema.js';

/** Validated today, not delivered yet: ticketing arrives in step 3. */
export const jiraConnector = defineConnector({
  name: 'jira',
  schema: JiraIntegration,
  environment: { base_url: 'JIRA_BASE_URL', email: 'JIRA_EMAIL', api_token: 'JIRA_API_TOKEN' },
  requires: (block) =>
    missingKeys(block, {
      base_url: 'set JIRA_BASE_URL',
      email: 'set JIRA_EMAIL',
      api_token: 'set JIRA_API_TOKEN',
    }),
  arrives: 'ticketing, step 3',
});
