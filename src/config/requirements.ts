import type { ConfigProblem } from '../core/errors.js';
import type { Env } from './interpolate.js';
import type { ThreadlineConfig } from './schema.js';

/**
 * Keys that fall back to the environment variables the Integrations Guide names, applied only
 * when the integration block exists and the key is absent.
 */
const ENVIRONMENT_DEFAULTS: ReadonlyArray<readonly [path: string, variable: string]> = [
  ['integrations.slack.webhook_url', 'SLACK_WEBHOOK_URL'],
  ['integrations.teams.webhook_url', 'TEAMS_WEBHOOK_URL'],
  ['integrations.discord.webhook_url', 'DISCORD_WEBHOOK_URL'],
  ['integrations.email.smtp.host', 'SMTP_HOST'],
  ['integrations.email.smtp.user', 'SMTP_USER'],
  ['integrations.email.smtp.password', 'SMTP_PASSWORD'],
  ['integrations.jira.base_url', 'JIRA_BASE_URL'],
  ['integrations.jira.email', 'JIRA_EMAIL'],
  ['integrations.jira.api_token', 'JIRA_API_TOKEN'],
  ['integrations.linear.api_key', 'LINEAR_API_KEY'],
  ['integrations.azure_devops.organization', 'AZURE_DEVOPS_ORG'],
  ['integrations.azure_devops.project', 'AZURE_DEVOPS_PROJECT'],
  ['integrations.azure_devops.pat', 'AZURE_DEVOPS_PAT'],
  ['integrations.github_projects.token', 'GITHUB_TOKEN'],
  ['integrations.pagerduty.routing_key', 'PAGERDUTY_ROUTING_KEY'],
  ['integrations.opsgenie.api_key', 'OPSGENIE_API_KEY'],
  ['integrations.datadog.api_key', 'DATADOG_API_KEY'],
  ['integrations.datadog.app_key', 'DATADOG_APP_KEY'],
  ['integrations.new_relic.api_key', 'NEW_RELIC_API_KEY'],
  ['integrations.sentry.dsn', 'SENTRY_DSN'],
];

/** Top-level settings the environment supplies when the file does not (PRODUCT.md's contract). */
const SERVER_DEFAULTS: ReadonlyArray<readonly [path: string, variable: string]> = [
  ['redis.url', 'REDIS_URL'],
  ['server.port', 'PORT'],
];

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function applyEnvironmentDefaults(tree: unknown, env: Env): unknown {
  if (!isTree(tree)) return tree;
  const root = structuredClone(tree);
  for (const [path, variable] of ENVIRONMENT_DEFAULTS) setIfAbsent(root, path, env[variable], false);
  for (const [path, variable] of SERVER_DEFAULTS) setIfAbsent(root, path, env[variable], true);
  return root;
}

function setIfAbsent(root: Tree, path: string, value: string | undefined, createParents: boolean): void {
  if (value === undefined || value === '') return;
  const keys = path.split('.');
  const last = keys.pop()!;
  let node: Tree = root;
  for (const key of keys) {
    const child = node[key];
    if (isTree(child)) node = child;
    else if (child === undefined && createParents) node = node[key] = {};
    else return;
  }
  if (node[last] === undefined) node[last] = value;
}

/** Cross-field rules zod's shape cannot express: what an enabled integration cannot work without. */
export function requiredWhenEnabled(config: ThreadlineConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const need = (ok: boolean, path: string, hint: string) => {
    if (!ok) problems.push({ path, message: 'is required when the integration is enabled', hint });
  };
  const i = config.integrations;

  if (config.inbound.events.enabled && !config.inbound.events.secret) {
    problems.push({
      path: 'inbound.events.secret',
      message: 'is required while POST /hooks/events is enabled',
      hint: 'set a shared HMAC secret, or inbound.events.enabled: false',
    });
  }
  const p = config.platforms;
  if (p.slack?.enabled) {
    if (p.slack.socket_mode)
      need(
        Boolean(p.slack.app_token),
        'platforms.slack.app_token',
        'Socket Mode needs an app-level token (xapp-…)',
      );
    else
      need(
        Boolean(p.slack.signing_secret),
        'platforms.slack.signing_secret',
        "from the Slack app's Basic Information page",
      );
    need(Boolean(p.slack.bot_token), 'platforms.slack.bot_token', 'the bot user OAuth token (xoxb-…)');
  }
  if (p.discord?.enabled) {
    need(
      Boolean(p.discord.public_key),
      'platforms.discord.public_key',
      "from the Discord application's General Information page",
    );
    need(Boolean(p.discord.application_id), 'platforms.discord.application_id', 'the Discord application id');
    need(
      Boolean(p.discord.bot_token),
      'platforms.discord.bot_token',
      'the bot token, for follow-ups and command registration',
    );
  }
  if (p.teams?.enabled && !p.teams.app_id && config.server.mode === 'production') {
    problems.push({
      path: 'platforms.teams.app_id',
      message: 'is required in production: without it, requests to /api/messages are not authenticated',
      hint: 'set the Azure Bot app id and password, or server.mode: development for local trials',
    });
  }
  if (p.teams?.enabled && p.teams.app_id && !p.teams.app_password) {
    problems.push({
      path: 'platforms.teams.app_password',
      message: 'is required with app_id: replies and cards need a Bot Framework token',
      hint: 'the client secret of the Azure Bot app registration',
    });
  }
  if (i.slack?.enabled) {
    const botPath = Boolean(config.platforms.slack?.bot_token && i.slack.channel);
    need(
      Boolean(i.slack.webhook_url) || botPath,
      'integrations.slack.webhook_url',
      'set SLACK_WEBHOOK_URL, or platforms.slack.bot_token together with integrations.slack.channel',
    );
  }
  if (i.teams?.enabled) {
    need(
      Boolean(i.teams.webhook_url) || Boolean(p.teams?.enabled && i.teams.conversation_id),
      'integrations.teams.webhook_url',
      'set TEAMS_WEBHOOK_URL, or enable platforms.teams and set integrations.teams.conversation_id',
    );
  }
  if (i.discord?.enabled) {
    need(
      Boolean(i.discord.webhook_url) || Boolean(p.discord?.enabled && i.discord.channel_id),
      'integrations.discord.webhook_url',
      'set DISCORD_WEBHOOK_URL, or enable platforms.discord and set integrations.discord.channel_id',
    );
  }
  if (i.webhooks?.enabled && i.webhooks.endpoints.length === 0) {
    problems.push({
      path: 'integrations.webhooks.endpoints',
      message: 'list at least one endpoint when enabled',
    });
  }
  if (i.webhooks) {
    const seen = new Set<string>();
    i.webhooks.endpoints.forEach((endpoint, index) => {
      if (seen.has(endpoint.name)) {
        problems.push({
          path: `integrations.webhooks.endpoints[${index}].name`,
          message: `"${endpoint.name}" is used by an earlier endpoint`,
          hint: 'endpoint names must be unique: they key deliveries and dead letters',
        });
      }
      seen.add(endpoint.name);
    });
  }
  if (i.jira?.enabled) {
    need(Boolean(i.jira.base_url), 'integrations.jira.base_url', 'set JIRA_BASE_URL');
    need(Boolean(i.jira.email), 'integrations.jira.email', 'set JIRA_EMAIL');
    need(Boolean(i.jira.api_token), 'integrations.jira.api_token', 'set JIRA_API_TOKEN');
  }
  if (i.linear?.enabled) need(Boolean(i.linear.api_key), 'integrations.linear.api_key', 'set LINEAR_API_KEY');
  if (i.azure_devops?.enabled)
    need(Boolean(i.azure_devops.pat), 'integrations.azure_devops.pat', 'set AZURE_DEVOPS_PAT');
  if (i.github_projects?.enabled) {
    need(Boolean(i.github_projects.token), 'integrations.github_projects.token', 'set GITHUB_TOKEN');
  }
  if (i.ms_project?.enabled) {
    need(
      Boolean(i.ms_project.client_secret),
      'integrations.ms_project.client_secret',
      'set the app client secret',
    );
  }
  if (i.pagerduty?.enabled) {
    need(Boolean(i.pagerduty.routing_key), 'integrations.pagerduty.routing_key', 'set PAGERDUTY_ROUTING_KEY');
  }
  if (i.opsgenie?.enabled)
    need(Boolean(i.opsgenie.api_key), 'integrations.opsgenie.api_key', 'set OPSGENIE_API_KEY');
  if (i.datadog?.enabled)
    need(Boolean(i.datadog.api_key), 'integrations.datadog.api_key', 'set DATADOG_API_KEY');
  if (i.new_relic?.enabled)
    need(Boolean(i.new_relic.api_key), 'integrations.new_relic.api_key', 'set NEW_RELIC_API_KEY');
  if (i.sentry?.enabled) need(Boolean(i.sentry.dsn), 'integrations.sentry.dsn', 'set SENTRY_DSN');
  return problems;
}
