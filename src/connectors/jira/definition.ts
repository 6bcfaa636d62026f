import { defineConnector, deliveryLimits, missingKeys } from '../definition.js';
import { JiraIntegration } from './schema.js';

/** Jira Cloud: spec events keep one issue per spec in step; the ticket commands use it too. */
export const jiraConnector = defineConnector({
  name: 'jira',
  schema: JiraIntegration,
  environment: {
    base_url: 'JIRA_BASE_URL',
    email: 'JIRA_EMAIL',
    api_token: 'JIRA_API_TOKEN',
    webhook_secret: 'JIRA_WEBHOOK_SECRET',
  },
  requires: (block) =>
    missingKeys(block, {
      base_url: 'set JIRA_BASE_URL',
      email: 'set JIRA_EMAIL',
      api_token: 'set JIRA_API_TOKEN',
    }),
  async create(block, context) {
    const { base_url, email, api_token } = block;
    // requires() has reported these; a block without them never reaches here in a valid config.
    if (!base_url || !email || !api_token) return [];
    // jira.js (and axios under it) load only when Jira is enabled.
    const [{ JiraTracker }, { ticketingConnector }] = await Promise.all([
      import('./jira.tracker.js'),
      import('../ticketing/for-integration.js'),
    ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const tracker = new JiraTracker({ ...block, base_url, email, api_token }, context.http, timeoutMs);
    const basic = Buffer.from(`${email}:${api_token}`).toString('base64');
    return [
      ticketingConnector({
        integration: 'jira',
        tracker,
        context,
        secrets: [api_token, basic, ...(block.webhook_secret ? [block.webhook_secret] : [])],
        retryCount,
        timeoutMs,
      }),
    ];
  },
});
