import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const GUIDE_CONFIG = 'test/config/integrations-guide.config.yaml';

/** Every variable of the Integrations Guide's "Secrets Reference" table. */
const GUIDE_SECRETS = {
  ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/guide0123456789',
  TEAMS_WEBHOOK_URL: 'https://example.webhook.office.com/webhookb2/guide',
  DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/guide-token',
  JIRA_BASE_URL: 'https://your-domain.atlassian.net',
  JIRA_EMAIL: 'specs@example.com',
  JIRA_API_TOKEN: 'jira-api-token-0123456789',
  LINEAR_API_KEY: 'lin_api_0123456789',
  AZURE_DEVOPS_ORG: 'your-org',
  AZURE_DEVOPS_PROJECT: 'your-project',
  AZURE_DEVOPS_PAT: 'azure-devops-pat-0123456789',
  PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0123456789',
  OPSGENIE_API_KEY: 'opsgenie-key-0123456789',
  DATADOG_API_KEY: 'datadog-api-key-0123456789',
  DATADOG_APP_KEY: 'datadog-app-key-0123456789',
  NEW_RELIC_API_KEY: 'NRAK-0123456789',
  SENTRY_DSN: 'https://public@o0.ingest.sentry.io/0',
  SMTP_HOST: 'smtp.example.com',
  SMTP_USER: 'specs',
  SMTP_PASSWORD: 'smtp-password-0123456789',
};

/** The variables the guide's webhook example writes into its own block. */
const WEBHOOK_EXAMPLE_VARIABLES = {
  WEBHOOK_TOKEN: 'webhook-token-0123456789',
  WEBHOOK_SECRET_ANALYTICS: 'webhook-secret-0123456789',
};

/**
 * The guide's GitHub Projects block names no secret and no repository: its workflows run in
 * GitHub Actions, which gives every job a GITHUB_TOKEN and GITHUB_REPOSITORY. Threadline reads both.
 */
const ACTIONS_VARIABLES = { GITHUB_TOKEN: 'ghs_actions0123456789', GITHUB_REPOSITORY: 'your-org/specs' };

describe('a config written only from the Integrations Guide', () => {
  it('validates unchanged, with POST /hooks/events off until an inbound secret is set', async () => {
    const result = await cli(['validate', '--config', GUIDE_CONFIG], {
      ...GUIDE_SECRETS,
      ...WEBHOOK_EXAMPLE_VARIABLES,
      ...ACTIONS_VARIABLES,
    });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `${GUIDE_CONFIG}: valid; enabled integrations: slack, teams, discord, email, jira, linear, azure_devops, github_projects, pagerduty, opsgenie, datadog(metrics,events), new_relic, sentry, webhooks(internal-system,analytics)`,
      'POST /hooks/events is off: no inbound.events.secret is set (set a shared HMAC secret there to turn it on)',
    ]);
  });

  it("validates with only the guide's secrets table set, GitHub Projects idle until GITHUB_TOKEN and GITHUB_REPOSITORY are set", async () => {
    const result = await cli(['validate', '--config', GUIDE_CONFIG], {
      ...GUIDE_SECRETS,
      ...WEBHOOK_EXAMPLE_VARIABLES,
    });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `${GUIDE_CONFIG}: valid; enabled integrations: slack, teams, discord, email, jira, linear, azure_devops, github_projects (idle until token and repository are set), pagerduty, opsgenie, datadog(metrics,events), new_relic, sentry, webhooks(internal-system,analytics)`,
      'POST /hooks/events is off: no inbound.events.secret is set (set a shared HMAC secret there to turn it on)',
      "notice: integrations.github_projects.token is not set: github_projects stays idle (nothing is sent to it) until it is: set GITHUB_TOKEN, as GitHub Actions does; the Integrations Guide's secrets table lists no variable for GitHub Projects",
      'notice: integrations.github_projects.repository is not set: github_projects stays idle (nothing is sent to it) until it is: set GITHUB_REPOSITORY (owner/name), as GitHub Actions does; the issues are opened there',
    ]);
  });
});
