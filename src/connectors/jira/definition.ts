import { defineConnector, deliveryLimits } from '../definition.js';
import { trackerPolling } from '../ticketing/polling-config.js';
import { jiraAuth, jiraDeployment, jiraRequirements } from './deployment.js';
import { JiraIntegration } from './schema.js';

/**
 * Jira Cloud or Data Center / Server: spec events keep one issue per spec in step; the ticket
 * commands use it too.
 */
export const jiraConnector = defineConnector({
  name: 'jira',
  schema: JiraIntegration,
  environment: {
    base_url: 'JIRA_BASE_URL',
    email: 'JIRA_EMAIL',
    api_token: 'JIRA_API_TOKEN',
    personal_access_token: 'JIRA_PERSONAL_ACCESS_TOKEN',
    username: 'JIRA_USERNAME',
    password: 'JIRA_PASSWORD',
    webhook_secret: 'JIRA_WEBHOOK_SECRET',
  },
  requires: (block) => jiraRequirements(block),
  // Cloud is what the Integrations Guide sets up: only the other deployment is worth a word.
  describe: (block) => (jiraDeployment(block) === 'cloud' ? 'jira' : 'jira (Data Center)'),
  async create(block, context) {
    const { base_url } = block;
    const auth = jiraAuth(block);
    // requires() has reported these; a block without them never reaches here in a valid config.
    if (!base_url || !auth) return [];
    // jira.js (and axios under it) load only when Jira is enabled.
    const [{ JiraTracker }, { ticketingConnector }] = await Promise.all([
      import('./jira.tracker.js'),
      import('../ticketing/for-integration.js'),
    ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const deployment = jiraDeployment(block);
    const tracker = new JiraTracker({ ...block, base_url }, deployment, auth, context.http, timeoutMs);
    const secrets =
      auth.kind === 'bearer'
        ? [auth.token]
        : [auth.secret, Buffer.from(`${auth.user}:${auth.secret}`).toString('base64')];
    return [
      ticketingConnector({
        integration: 'jira',
        tracker,
        context,
        secrets: [...secrets, ...(block.webhook_secret ? [block.webhook_secret] : [])],
        retryCount,
        timeoutMs,
        polling: trackerPolling(block, auth.keys),
      }),
    ];
  },
});
