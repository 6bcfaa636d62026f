import { z } from 'zod';
import { EVENT_NAMES } from '../core/events.js';

/*
 * The configuration file (`specs.config.yaml`). The Integrations Guide's format is the base;
 * every block is a strict object so a misspelt key is reported instead of silently ignored.
 * Values arrive after `${VAR}` interpolation, so booleans and numbers may be strings.
 */

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'must be true or false',
});

function int(min: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );
}

const httpUrl = z
  .string()
  .trim()
  .refine((u) => {
    try {
      const parsed = new URL(u);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

/** A secret: any non-empty string. Messages about it never echo the value. */
const secret = z.string().min(1, 'must not be empty');

const eventName = z.enum(EVENT_NAMES);
const eventList = z.array(eventName);

/** Settings every delivering integration shares. */
const deliveryCommon = {
  enabled: flag.default(false),
  retry_count: int(0, 20).optional(),
  timeout_ms: int(100, 120_000).optional(),
};

const SlackIntegration = z.strictObject({
  ...deliveryCommon,
  channel: z.string().min(1).optional(),
  notify_on: eventList.default([]),
  mention_on_failure: z.array(z.string().min(1)).default([]),
  webhook_url: httpUrl.optional(),
});

const TeamsIntegration = z.strictObject({
  ...deliveryCommon,
  notify_on: eventList.default([]),
  use_adaptive_cards: flag.default(true),
  webhook_url: httpUrl.optional(),
  /** With platforms.teams enabled: post through the bot into this conversation, one thread per spec. */
  conversation_id: z.string().min(1).optional(),
});

const DiscordIntegration = z.strictObject({
  ...deliveryCommon,
  notify_on: eventList.default([]),
  username: z.string().min(1).max(80).optional(),
  avatar_url: httpUrl.optional(),
  webhook_url: httpUrl.optional(),
  /** With platforms.discord enabled: post through the bot into this channel, one thread per spec. */
  channel_id: z.string().regex(/^\d+$/, 'must be a numeric Discord channel id').optional(),
});

const EmailIntegration = z.strictObject({
  ...deliveryCommon,
  smtp: z.strictObject({
    host: z.string().min(1),
    port: int(1, 65535).default(587),
    secure: flag.default(false),
    user: z.string().min(1).optional(),
    password: secret.optional(),
  }),
  from: z.string().min(3),
  recipients: z.partialRecord(eventName, z.array(z.string().email()).min(1)).default({}),
});

const JiraIntegration = z.strictObject({
  ...deliveryCommon,
  base_url: httpUrl.optional(),
  email: z.string().min(1).optional(),
  api_token: secret.optional(),
  project_key: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'must be a Jira project key like "PROJ"'),
  issue_type: z.string().min(1).default('Story'),
  transition_on_approve: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d+$/, 'must be a numeric transition id like "21", not a status name'))
    .optional(),
  transition_on_implement: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d+$/, 'must be a numeric transition id like "31", not a status name'))
    .optional(),
  field_mappings: z
    .strictObject({
      spec_id: z
        .string()
        .regex(/^customfield_\d+$/, 'must be a custom field id like "customfield_10001"')
        .optional(),
      acceptance_criteria: z
        .string()
        .regex(/^customfield_\d+$/, 'must be a custom field id like "customfield_10002"')
        .optional(),
    })
    .default({}),
  create_subtasks: flag.default(false),
});

const stateMappings = z.record(z.string(), z.string().min(1));

const LinearIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://api.linear.app/graphql'),
  api_key: secret.optional(),
  team_id: z.string().min(1),
  labels: z.array(z.string().min(1)).default([]),
  state_mappings: stateMappings.default({}),
});

const AzureDevOpsIntegration = z.strictObject({
  ...deliveryCommon,
  base_url: httpUrl.default('https://dev.azure.com'),
  organization: z.string().min(1),
  project: z.string().min(1),
  pat: secret.optional(),
  work_item_type: z.string().min(1).default('User Story'),
  area_path: z.string().min(1).optional(),
  iteration_path: z.string().min(1).optional(),
  state_mappings: stateMappings.default({}),
});

const GitHubProjectsIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://api.github.com'),
  token: secret.optional(),
  owner: z.string().min(1).optional(),
  repository: z.string().min(1).optional(),
  project_number: int(1, 1_000_000),
  status_field: z.string().min(1).default('Status'),
  status_mappings: stateMappings.default({}),
});

const MsProjectIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://graph.microsoft.com/v1.0'),
  tenant_id: z.string().min(1),
  client_id: z.string().min(1),
  client_secret: secret.optional(),
  plan_id: z.string().min(1),
  bucket_id: z.string().min(1).optional(),
});

const PagerDutyIntegration = z.strictObject({
  ...deliveryCommon,
  events_url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  api_url: httpUrl.default('https://api.pagerduty.com'),
  routing_key: secret.optional(),
  api_token: secret.optional(),
  alert_on: eventList.default([]),
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('warning'),
});

const OpsgenieIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://api.opsgenie.com'),
  api_key: secret.optional(),
  alert_on: eventList.default([]),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default('P3'),
  tags: z.array(z.string().min(1)).default([]),
});

const DatadogIntegration = z.strictObject({
  ...deliveryCommon,
  site: z.string().min(1).default('datadoghq.com'),
  api_url: httpUrl.optional(),
  api_key: secret.optional(),
  app_key: secret.optional(),
  send_metrics: flag.default(true),
  metric_prefix: z
    .string()
    .regex(/^[a-zA-Z][\w.]*$/, 'must start with a letter and use letters, digits, _ and .')
    .default('spec_ingestion'),
  send_events: flag.default(true),
  event_tags: z.array(z.string().min(1)).default([]),
  events: eventList.optional(),
});

const NewRelicIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.optional(),
  api_key: secret.optional(),
  account_id: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d+$/, 'must be numeric')),
  event_type: z
    .string()
    .regex(/^[A-Za-z_][\w:]*$/, 'must be a valid New Relic event type')
    .default('SpecIngestion'),
  events: eventList.optional(),
});

const SentryIntegration = z.strictObject({
  ...deliveryCommon,
  dsn: secret.optional(),
  environment: z.string().min(1).default('production'),
  report_on: eventList.default([]),
});

const WebhookEndpoint = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9][\w-]{0,62}$/, 'must be 1-63 letters, digits, _ or -'),
  url: httpUrl,
  events: eventList.min(1, 'list at least one event'),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name'), z.string())
    .default({}),
  secret: secret.optional(),
  retry_count: int(0, 20).optional(),
  timeout_ms: int(100, 120_000).optional(),
});

const WebhooksIntegration = z.strictObject({
  enabled: flag.default(false),
  endpoints: z.array(WebhookEndpoint).default([]),
});

export const IntegrationsConfig = z.strictObject({
  slack: SlackIntegration.optional(),
  teams: TeamsIntegration.optional(),
  discord: DiscordIntegration.optional(),
  email: EmailIntegration.optional(),
  jira: JiraIntegration.optional(),
  linear: LinearIntegration.optional(),
  azure_devops: AzureDevOpsIntegration.optional(),
  github_projects: GitHubProjectsIntegration.optional(),
  ms_project: MsProjectIntegration.optional(),
  pagerduty: PagerDutyIntegration.optional(),
  opsgenie: OpsgenieIntegration.optional(),
  datadog: DatadogIntegration.optional(),
  new_relic: NewRelicIntegration.optional(),
  sentry: SentryIntegration.optional(),
  webhooks: WebhooksIntegration.optional(),
});

const PlatformsConfig = z.strictObject({
  /** The slash command's name: `/ops` in Slack and Discord, `ops …` typed to the Teams bot. */
  command: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 lowercase letters, digits, _ or - (Discord and Slack rules)')
    .default('ops'),
  slack: z
    .strictObject({
      enabled: flag.default(false),
      api_url: httpUrl.default('https://slack.com/api/'),
      bot_token: secret.optional(),
      signing_secret: secret.optional(),
      app_token: secret.optional(),
      socket_mode: flag.default(false),
    })
    .optional(),
  teams: z
    .strictObject({
      enabled: flag.default(false),
      app_id: z.string().min(1).optional(),
      app_password: secret.optional(),
      tenant_id: z.string().min(1).optional(),
      /** Bot Framework OpenID metadata (signing keys of channel tokens); change only for sovereign clouds or tests. */
      openid_metadata_url: httpUrl.default(
        'https://login.botframework.com/v1/.well-known/openidconfiguration',
      ),
      /** AAD authority host for the bot's client-credentials tokens: {login_url}/{tenant}/oauth2/v2.0/token. */
      login_url: httpUrl.default('https://login.microsoftonline.com'),
    })
    .optional(),
  discord: z
    .strictObject({
      enabled: flag.default(false),
      api_url: httpUrl.default('https://discord.com/api/v10'),
      application_id: z.string().regex(/^\d+$/, 'must be a numeric snowflake').optional(),
      public_key: z
        .string()
        .regex(/^[0-9a-f]{64}$/i, 'must be the 64-hex-digit Ed25519 public key')
        .optional(),
      bot_token: secret.optional(),
    })
    .optional(),
});

const secretList = z.union([secret, z.array(secret).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const InboundConfig = z.strictObject({
  events: z
    .strictObject({
      enabled: flag.default(true),
      /** One secret, or several while a secret is being rotated: any of them verifies. */
      secret: secretList.optional(),
    })
    .default({ enabled: true }),
});

const ServerConfig = z.strictObject({
  /** production refuses settings that are only safe for local trials (e.g. Teams without an app id). */
  mode: z.enum(['production', 'development']).default('production'),
  /** The address Slack, Teams and Discord reach this server at; used in generated manifests. */
  public_url: httpUrl.optional(),
  host: z.string().min(1).default('0.0.0.0'),
  port: int(0, 65535).default(3000),
  body_limit_bytes: int(1024, 50 * 1024 * 1024).default(1024 * 1024),
  /** How long SIGTERM waits for in-flight jobs before closing anyway. */
  shutdown_timeout_ms: int(0, 600_000).default(25_000),
});

const RedisConfig = z.strictObject({
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  prefix: z
    .string()
    .regex(/^[\w.:-]+$/, 'may contain only letters, digits and _ . : -')
    .default('threadline'),
  /** Ingress gives up on Redis after this long and answers 503 instead of hanging. */
  command_timeout_ms: int(50, 60_000).default(2_000),
});

const QueueConfig = z.strictObject({
  /** Default attempts after the first for integrations without their own retry_count. */
  retry_count: int(0, 20).default(3),
  backoff_base_ms: int(1, 600_000).default(1_000),
  backoff_max_ms: int(1, 3_600_000).default(300_000),
  /** A job whose worker died is picked up again after at most lock + stalled-check interval. */
  lock_duration_ms: int(1_000, 600_000).default(5_000),
  stalled_interval_ms: int(500, 600_000).default(2_500),
  concurrency: int(1, 1_000).default(50),
  /**
   * Queued chat commands per platform and process. Higher than deliveries: a threaded reply may
   * wait about a second for its channel's pacing slot while holding its worker slot.
   */
  chat_concurrency: int(1, 2_000).default(200),
  request_timeout_ms: int(100, 120_000).default(10_000),
  dedup_window_hours: int(1, 24 * 30).default(24),
  /** Give up on a provider that keeps answering 429 after this many deferrals. */
  max_rate_limit_deferrals: int(1, 1_000).default(50),
  dead_letter_retention_days: int(1, 3650).default(30),
  /** While Redis is unreachable, the outage is logged again this often, with how long it has lasted. */
  redis_outage_reminder_ms: int(100, 86_400_000).default(60_000),
});

const NotificationsConfig = z.strictObject({
  rate_limit: z
    .strictObject({
      max_per_hour: int(1, 1_000_000).optional(),
      max_per_day: int(1, 10_000_000).optional(),
    })
    .default({}),
});

const SecurityConfig = z.strictObject({
  allow_private_networks: flag.default(false),
});

const member = z
  .string()
  .regex(
    /^(slack|teams|discord|console):(\*|role:[\w-]+|[\w.@-]+)$/,
    'must look like slack:U123, teams:<aad object id>, discord:<user id>, discord:role:<role id>, console:<name> or <platform>:*',
  );

const RbacConfig = z.strictObject({
  roles: z
    .strictObject({
      responder: z.array(member).default([]),
      approver: z.array(member).default([]),
      admin: z.array(member).default([]),
    })
    .default({ responder: [], approver: [], admin: [] }),
});

const RunbookLink = z.strictObject({ url: httpUrl, title: z.string().min(1).max(200).optional() });

const LoggingConfig = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const ThreadlineConfigSchema = z.strictObject({
  server: ServerConfig.default(ServerConfig.parse({})),
  redis: RedisConfig.default(RedisConfig.parse({})),
  queue: QueueConfig.default(QueueConfig.parse({})),
  logging: LoggingConfig.default(LoggingConfig.parse({})),
  security: SecurityConfig.default(SecurityConfig.parse({})),
  platforms: PlatformsConfig.default(PlatformsConfig.parse({})),
  inbound: InboundConfig.default(InboundConfig.parse({})),
  notifications: NotificationsConfig.default(NotificationsConfig.parse({})),
  integrations: IntegrationsConfig.default({}),
  rbac: RbacConfig.default(RbacConfig.parse({})),
  /** Named runbook links for `/ops runbook <name>` (step 5 adds synced sources). */
  runbooks: z
    .record(z.string().regex(/^[\w.-]{1,100}$/, 'runbook names use letters, digits, _ . -'), RunbookLink)
    .default({}),
});

export type ThreadlineConfig = z.infer<typeof ThreadlineConfigSchema>;
export type IntegrationsConfig = z.infer<typeof IntegrationsConfig>;
export type IntegrationName = keyof IntegrationsConfig;
export type SlackIntegrationConfig = z.infer<typeof SlackIntegration>;
export type TeamsIntegrationConfig = z.infer<typeof TeamsIntegration>;
export type DiscordIntegrationConfig = z.infer<typeof DiscordIntegration>;
export type EmailIntegrationConfig = z.infer<typeof EmailIntegration>;
export type WebhookEndpointConfig = z.infer<typeof WebhookEndpoint>;
export type QueueSettings = z.infer<typeof QueueConfig>;
