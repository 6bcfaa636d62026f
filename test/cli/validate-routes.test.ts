import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tl-routes-')), 'specs.config.yaml');
  writeFileSync(file, content);
  return file;
}

describe('threadline validate on the inbound routes', () => {
  it('adds one line listing every inbound route that is on, after the lines it printed before', async () => {
    const file = configFile(`inbound:
  alertmanager: { bearer_token: "\${AM_TOKEN}" }
  datadog: { token: "validate-dd-token-0001" }
integrations:
  pagerduty:
    enabled: true
    routing_key: R0ut1ngKeyF0rTheFakeServ1ce00001
    webhook: { secret: "\${PD_WEBHOOK_SECRET}" }
  jira:
    enabled: true
    base_url: https://example.atlassian.net
    email: bot@example.com
    api_token: validate-jira-token-0001
    project_key: PROJ
    webhook_secret: "\${JIRA_WEBHOOK_SECRET}"
  azure_devops:
    enabled: true
    organization: example
    project: Specs
    pat: validate-azure-pat-0001
    webhook_username: threadline
    webhook_password: "\${AZURE_HOOK_PASSWORD}"
`);
    const result = await cli(['validate', '--config', file], {
      AM_TOKEN: 'validate-am-token-0001',
      PD_WEBHOOK_SECRET: 'validate-pd-secret-0001',
      JIRA_WEBHOOK_SECRET: 'validate-jira-secret-0001',
      AZURE_HOOK_PASSWORD: 'validate-azure-password-0001',
    });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `${file}: valid; enabled integrations: jira, azure_devops, pagerduty`,
      'POST /hooks/events is off: no inbound.events.secret is set (set a shared HMAC secret there to turn it on)',
      'inbound routes on: POST /hooks/alertmanager, POST /hooks/datadog, POST /hooks/pagerduty, POST /hooks/jira, POST /hooks/azure-devops',
    ]);
    expect(result.out).not.toContain('validate-pd-secret-0001');
  });

  it('lists POST /hooks/events among them when it is on too, and leaves out a pager without a webhook secret', async () => {
    const file = configFile(`inbound:
  events: { secret: "validate-events-secret-0001" }
  sentry: { client_secret: "validate-sentry-secret-0001" }
integrations:
  opsgenie: { enabled: true, api_key: validate-opsgenie-key-0001 }
`);
    const result = await cli(['validate', '--config', file]);
    expect(result.out.split('\n')).toEqual([
      `${file}: valid; enabled integrations: opsgenie`,
      'inbound routes on: POST /hooks/events, POST /hooks/sentry',
    ]);
  });

  it('adds nothing when POST /hooks/events is the only route on', async () => {
    const file = configFile('inbound: { events: { secret: "validate-events-secret-0001" } }\n');
    expect((await cli(['validate', '--config', file])).out).toBe(
      `${file}: valid; enabled integrations: none`,
    );
  });
});
