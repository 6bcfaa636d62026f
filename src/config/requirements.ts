import { CONNECTORS } from '../connectors/catalogue.js';
import type { ConnectorDefinition } from '../connectors/definition.js';
import type { ConfigProblem } from '../core/errors.js';
import {
  deferredIntegrationRequirements,
  idleIntegrationNotices,
  integrationEnvironmentDefaults,
  integrationRequirements,
} from './integrations.js';
import type { Env } from './interpolate.js';
import type { ThreadlineConfig } from './schema.js';

/** Top-level settings the environment supplies when the file does not (PRODUCT.md's contract). */
const SERVER_DEFAULTS: ReadonlyArray<readonly [path: string, variable: string]> = [
  ['redis.url', 'REDIS_URL'],
  ['server.port', 'PORT'],
];

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Fills keys from the environment variables the Integrations Guide names (only inside an
 * integration block that exists, and only where the key is absent) and the server defaults.
 */
export function applyEnvironmentDefaults(
  tree: unknown,
  env: Env,
  definitions: readonly ConnectorDefinition[] = CONNECTORS,
): unknown {
  if (!isTree(tree)) return tree;
  const root = structuredClone(tree);
  for (const [path, variable] of integrationEnvironmentDefaults(definitions))
    setIfAbsent(root, path, env[variable], false);
  for (const [path, variable] of SERVER_DEFAULTS) {
    if (path === 'redis.url' && namesRedisElsewhere(root)) continue;
    setIfAbsent(root, path, env[variable], true);
  }
  return root;
}

/** A file that lists sentinels or cluster nodes has said where Redis is: REDIS_URL does not add a URL to it. */
function namesRedisElsewhere(root: Tree): boolean {
  const redis = root.redis;
  return isTree(redis) && (redis.sentinels !== undefined || redis.cluster !== undefined);
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

/**
 * Cross-field rules zod's shape cannot express: what an enabled integration cannot work without.
 * Integrations this version does not deliver are left to `requirementNotices`.
 */
export function requiredWhenEnabled(
  config: ThreadlineConfig,
  definitions: readonly ConnectorDefinition[] = CONNECTORS,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const need = (ok: boolean, path: string, hint: string) => {
    if (!ok) problems.push({ path, message: 'is required when the integration is enabled', hint });
  };

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
  problems.push(...integrationRequirements(config.integrations, { platforms: p }, definitions));
  return problems;
}

/**
 * What enabled integrations that this version does not deliver yet will require: notices, not
 * errors, since nothing is sent to them. `threadline validate` prints them.
 */
export function requirementNotices(
  config: Pick<ThreadlineConfig, 'integrations' | 'platforms'>,
  definitions: readonly ConnectorDefinition[] = CONNECTORS,
): ConfigProblem[] {
  return [
    ...deferredIntegrationRequirements(config.integrations, { platforms: config.platforms }, definitions),
    ...idleIntegrationNotices(config.integrations, definitions),
  ];
}
