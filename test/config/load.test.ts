import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { cli } from '../support/cli.js';

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfigText(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-config-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('configuration', () => {
  it('parses every integration block of the Integrations Guide as written there', () => {
    const env = {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      TEAMS_WEBHOOK_URL: 'https://example.webhook.office.com/x',
      DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/abc',
    };
    const loaded = loadConfigFile('examples/specs.config.yaml', {
      ...env,
      SLACK_ENABLED: 'true',
      TEAMS_ENABLED: 'true',
      DISCORD_ENABLED: 'true',
    });
    const i = loaded.config.integrations;
    expect(i.slack).toMatchObject({
      enabled: true,
      channel: '#engineering',
      mention_on_failure: ['@channel'],
      webhook_url: env.SLACK_WEBHOOK_URL,
    });
    expect(i.teams).toMatchObject({ enabled: true, use_adaptive_cards: true });
    expect(i.discord).toMatchObject({
      username: 'Spec Bot',
      avatar_url: 'https://example.com/bot-avatar.png',
    });
    expect(i.email).toMatchObject({
      smtp: { port: 587, secure: true },
      recipients: { implementation_failed: ['oncall@example.com'] },
    });
    expect(i.jira).toMatchObject({
      project_key: 'PROJ',
      transition_on_approve: '21',
      field_mappings: { spec_id: 'customfield_10001' },
    });
    expect(i.linear?.state_mappings).toEqual({
      draft: 'Backlog',
      review: 'In Review',
      approved: 'Todo',
      implemented: 'Done',
    });
    expect(i.azure_devops).toMatchObject({ work_item_type: 'User Story', area_path: 'your-project\\Team' });
    expect(i.github_projects).toMatchObject({ project_number: 1, status_field: 'Status' });
    expect(i.pagerduty).toMatchObject({
      severity: 'warning',
      alert_on: ['implementation_failed'],
      events_url: 'https://events.pagerduty.com/v2/enqueue',
    });
    expect(i.opsgenie).toMatchObject({ priority: 'P3', tags: ['spec-automation', 'ci-cd'] });
    expect(i.datadog).toMatchObject({
      site: 'datadoghq.com',
      metric_prefix: 'spec_ingestion',
      event_tags: ['team:platform', 'env:production'],
    });
    expect(i.new_relic).toMatchObject({ account_id: '1234567', event_type: 'SpecIngestion' });
    expect(i.sentry).toMatchObject({
      environment: 'production',
      report_on: ['implementation_failed', 'validation_failed'],
    });
    expect(i.webhooks?.endpoints.map((e) => e.name)).toEqual(['internal-system', 'analytics']);
    expect(loaded.config.notifications.rate_limit).toEqual({ max_per_hour: 30, max_per_day: 100 });
    expect(Object.isFrozen(loaded.config.integrations)).toBe(true);
  });

  it('reads ${VAR}, ${VAR:-default} and ${file:/path}, and $${ as a literal', () => {
    const secretFile = tempFile('secret', 'from-a-file-123456\n');
    const loaded = parseConfigText(
      `
inbound: { events: { secret: "\${file:${secretFile}}" } }
redis: { prefix: "\${PREFIX:-fallback}" }
integrations:
  webhooks:
    enabled: true
    endpoints:
      - name: x
        url: "https://\${HOST}/hook"
        events: [spec_created]
        headers: { X-Literal: "$\${not-a-var}" }
`,
      { HOST: 'receiver.example.com' },
    );
    expect(loaded.config.inbound.events.secret).toEqual(['from-a-file-123456']);
    expect(loaded.config.redis.prefix).toBe('fallback');
    expect(loaded.config.integrations.webhooks?.endpoints[0]).toMatchObject({
      url: 'https://receiver.example.com/hook',
      headers: { 'X-Literal': '${not-a-var}' },
    });
    expect(loaded.secrets).toContain('from-a-file-123456');
  });

  it('leaves out a list entry that comes out unset, so a rotation list can name a future secret', () => {
    const loaded = parseConfigText('inbound: { events: { secret: ["${OLD_SECRET}", "${NEW_SECRET:-}"] } }', {
      OLD_SECRET: 'the-old-secret-value',
    });
    expect(loaded.config.inbound.events.secret).toEqual(['the-old-secret-value']);
  });

  it('says a switch must be true or false', () => {
    expect(problemsOf('inbound: { events: { enabled: "yes" } }')).toEqual([
      'inbound.events.enabled: must be true or false',
    ]);
  });

  it('names the variable and the key when an environment variable is missing', () => {
    const problems = problemsOf(`
inbound: { events: { secret: "x-long-enough" } }
integrations:
  webhooks:
    enabled: true
    endpoints:
      - { name: a, url: "https://example.com", events: [spec_created], headers: { Authorization: "Bearer \${WEBHOOK_TOKEN}" } }
`);
    expect(problems).toEqual([
      'integrations.webhooks.endpoints[0].headers.Authorization: environment variable WEBHOOK_TOKEN is not set (export WEBHOOK_TOKEN, or write ${WEBHOOK_TOKEN:-default})',
    ]);
  });

  it('lists every problem at once, each with its key path and a hint', () => {
    const problems = problemsOf(`
server: { prot: 3000 }
inbound: { events: { secret: "long-enough-secret" } }
integrations:
  slack: { enabled: true, notify_on: [implementation_faild] }
  jira: { project_key: PROJ, transition_on_approve: "In Progress" }
  pagerduty: { severity: urgent }
  webhooks:
    enabled: true
    endpoints:
      - { name: a, url: "ftp://example.com", events: [] }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'server.prot: unknown key (did you mean "port"?)',
        'integrations.slack.notify_on[0]: unknown event "implementation_faild" (did you mean "implementation_failed"?)',
        'integrations.jira.transition_on_approve: must be a numeric transition id like "21", not a status name',
        expect.stringMatching(/^integrations\.pagerduty\.severity: .*"critical"/),
        'integrations.webhooks.endpoints[0].url: must be an http(s) URL',
        'integrations.webhooks.endpoints[0].events: list at least one event',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('requires what an enabled integration cannot work without, pointing at the seed variable', () => {
    const problems = problemsOf(`
inbound: { events: { enabled: true } }
integrations:
  slack: { enabled: true }
  pagerduty: { enabled: true }
  webhooks: { enabled: true, endpoints: [{ name: a, url: "https://a.example", events: [spec_created] }, { name: a, url: "https://b.example", events: [spec_created] }] }
`);
    expect(problems).toEqual([
      'inbound.events.secret: is required while POST /hooks/events is enabled (set a shared HMAC secret, or inbound.events.enabled: false)',
      'integrations.slack.webhook_url: is required when the integration is enabled (set SLACK_WEBHOOK_URL, or platforms.slack.bot_token together with integrations.slack.channel)',
      'integrations.pagerduty.routing_key: is required when the integration is enabled (set PAGERDUTY_ROUTING_KEY)',
      'integrations.webhooks.endpoints[1].name: "a" is used by an earlier endpoint (endpoint names must be unique: they key deliveries and dead letters)',
    ]);
  });

  it('takes webhook URLs and keys from the variables the Integrations Guide names', () => {
    const loaded = parseConfigText(
      'inbound: { events: { enabled: false } }\nintegrations: { slack: { enabled: true }, pagerduty: { enabled: true } }',
      {
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/abcdefgh',
        PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0123456789',
        REDIS_URL: 'redis://redis.internal:6380',
        PORT: '8080',
      },
    );
    expect(loaded.config.integrations.slack?.webhook_url).toBe(
      'https://hooks.slack.com/services/T1/B1/abcdefgh',
    );
    expect(loaded.config.integrations.pagerduty?.routing_key).toBe('R0UTINGKEY0123456789');
    expect(loaded.config.redis.url).toBe('redis://redis.internal:6380');
    expect(loaded.config.server.port).toBe(8080);
    expect(loaded.secrets).toEqual(
      expect.arrayContaining(['https://hooks.slack.com/services/T1/B1/abcdefgh', 'R0UTINGKEY0123456789']),
    );
  });
});

describe('threadline validate', () => {
  it('exits 0 with a one-line summary of enabled integrations', async () => {
    const result = await cli(['validate', '--config', 'examples/specs.config.yaml'], {
      WEBHOOKS_ENABLED: 'true',
      PAGERDUTY_ENABLED: 'true',
      PAGERDUTY_ROUTING_KEY: 'abcdefghijk',
    });
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      'examples/specs.config.yaml: valid; enabled integrations: pagerduty, webhooks(internal-system,analytics), log',
    );
  });

  it('exits 2 listing every problem, and never prints a secret', async () => {
    const file = tempFile(
      'bad.yaml',
      `
inbound: { events: { secret: "\${EVENTS_SECRET}" } }
integrations:
  pagerduty: { enabled: true, routing_key: "super-secret-routing-key", severity: loud }
  webhooks: { enabled: true, endpoints: [{ name: a, url: "not a url", events: [spec_created], secret: 12345 }] }
`,
    );
    const result = await cli(['validate', '--config', file], { EVENTS_SECRET: 'events-secret-value' });
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file}: 3 problem(s):`);
    expect(result.err).toContain('integrations.pagerduty.severity:');
    expect(result.err).toContain('integrations.webhooks.endpoints[0].url: must be an http(s) URL');
    expect(result.err).toContain('integrations.webhooks.endpoints[0].secret: must be a string, got number');
    expect(result.err).not.toContain('super-secret-routing-key');
    expect(result.err).not.toContain('events-secret-value');
    expect(result.err).not.toContain('12345');
  });

  it('exits 2 when the file is missing or not YAML', async () => {
    expect((await cli(['validate', '--config', '/nonexistent/specs.config.yaml'])).err).toContain(
      'cannot read config file /nonexistent/specs.config.yaml (ENOENT)',
    );
    const broken = tempFile('broken.yaml', 'integrations:\n  slack: [\n');
    const result = await cli(['validate', '--config', broken]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/YAML syntax error at line \d+/);
  });

  it('shows a YAML syntax error with its line, column and the offending lines under a caret', async () => {
    const broken = tempFile('broken.yaml', 'server:\n  port: 3000\nkey: value: other\n');
    const result = await cli(['validate', '--config', broken]);
    expect(result.code).toBe(2);
    expect(result.err.split('\n')).toEqual([
      `${broken}: 1 problem(s):`,
      '  (root): YAML syntax error at line 3, column 6: Nested mappings are not allowed in compact mappings',
      '    2 |   port: 3000',
      '    3 | key: value: other',
      '      |      ^',
    ]);
  });

  it('points at the end of the file when a YAML construct is never closed', () => {
    expect(problemsOf('integrations:\n  slack: [\n')).toEqual([
      '(root): YAML syntax error at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '    2 |   slack: [',
      '    3 |',
      '      | ^',
    ]);
  });

  it('masks a literal secret on the lines it shows for a YAML syntax error', () => {
    const problems = problemsOf(
      'platforms:\n  slack: { bot_token: xoxb-literal-secret-1234, signing_secret: "s3cr3t-value" key: [\n',
    ).join('\n');
    expect(problems).toContain('bot_token: ************************, signing_secret: **************');
    expect(problems).not.toContain('xoxb-literal-secret-1234');
    expect(problems).not.toContain('s3cr3t-value');
  });

  it('says which type a key must have when its value has another', () => {
    expect(problemsOf('inbound: { events: { enabled: false } }\nredis: { prefix: 5 }\nrbac: []')).toEqual([
      'redis.prefix: must be a string, got number',
      'rbac: must be an object, got array',
    ]);
  });

  it('ships an example config that validates with no environment at all', async () => {
    expect(readFileSync('examples/specs.config.yaml', 'utf8')).toContain('integrations:');
    const result = await cli(['validate', '--config', 'examples/specs.config.yaml']);
    expect(result).toMatchObject({ code: 0 });
  });
});
