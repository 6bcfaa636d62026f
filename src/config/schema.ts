import { z } from 'zod';
import { CONNECTORS } from '../connectors/catalogue.js';
import { flag, httpUrl, int, rbacMember, secret } from '../core/schema-primitives.js';
import { PlatformsConfig } from '../platforms/schema.js';
import { ALERTMANAGER_INBOUND_OFF, AlertmanagerInbound } from '../sources/alertmanager/schema.js';
import { DATADOG_INBOUND_OFF, DatadogInbound } from '../sources/datadog/schema.js';
import { SENTRY_INBOUND_OFF, SentryInbound } from '../sources/sentry/schema.js';
import { EscalationsConfig, unknownSchedules } from '../workflows/escalations.js';
import { IncidentsConfig } from '../workflows/incidents.js';
import { OnCallConfig } from '../workflows/oncall.js';
import { PeopleConfig } from '../workflows/people.js';
import { ReadinessConfig } from '../workflows/readiness.js';
import { buildIntegrationsSchema } from './integrations.js';
import { RedisConfig } from './redis.js';

/*
 * The configuration file (`specs.config.yaml`). The Integrations Guide's format is the base;
 * every block is a strict object so a misspelt key is reported instead of silently ignored.
 * Values arrive after `${VAR}` interpolation, so booleans and numbers may be strings. The
 * `integrations:` blocks are the connectors' own schemas (src/connectors/<name>/schema.ts).
 */

/** One optional block per connector definition in the catalogue, keys as the guide writes them. */
export const IntegrationsConfig = buildIntegrationsSchema(CONNECTORS);

const secretList = z.union([secret, z.array(secret).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const InboundConfig = z.strictObject({
  /**
   * POST /hooks/events. Unless `enabled` is written, the route is on exactly when a secret is
   * set, so a config from the Integrations Guide (which has no inbound block) validates as is.
   */
  events: z
    .strictObject({
      enabled: flag.optional(),
      /** One secret, or several while a secret is being rotated: any of them verifies. */
      secret: secretList.optional(),
    })
    .transform(({ enabled, secret }) => ({ enabled: enabled ?? secret !== undefined, secret }))
    .default({ enabled: false, secret: undefined }),
  /** POST /hooks/alertmanager for an Alertmanager webhook receiver (src/sources/alertmanager/schema.ts). */
  alertmanager: AlertmanagerInbound.default(ALERTMANAGER_INBOUND_OFF),
  /** POST /hooks/datadog for Datadog monitor webhooks (src/sources/datadog/schema.ts). */
  datadog: DatadogInbound.default(DATADOG_INBOUND_OFF),
  /** POST /hooks/sentry for a Sentry internal integration's webhooks (src/sources/sentry/schema.ts). */
  sentry: SentryInbound.default(SENTRY_INBOUND_OFF),
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
  /** serve's old generation grows to (1 + this/100) × its live size before a full GC; 0 = V8's own factor. */
  heap_growth_percent: int(0, 400).default(60),
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
   * A process that accepts events and also runs workers makes each delivery's first attempt
   * itself, right after storing it, instead of through a queue round trip (src/events/fast-lane.ts).
   */
  deliver_at_ingress: flag.default(true),
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

const member = rbacMember;

const RbacConfig = z.strictObject({
  roles: z
    .strictObject({
      responder: z.array(member).default([]),
      approver: z.array(member).default([]),
      admin: z.array(member).default([]),
    })
    .default({ responder: [], approver: [], admin: [] }),
});

const WaiversConfig = z.strictObject({
  /**
   * Approvals from distinct approvers (rbac.roles.approver, or admins) that approve a waiver. The
   * requester never counts, and one rejection rejects.
   */
  required_approvals: int(1, 20).default(1),
});

/**
 * A quorum that can never be reached is a config error, not a waiver that waits forever. Only
 * lists of named people can be counted: a `<platform>:*` or `discord:role:…` member may stand for
 * any number of people.
 */
function checkQuorum(
  config: {
    waivers: { required_approvals: number };
    rbac: { roles: { approver: string[]; admin: string[] } };
  },
  ctx: z.RefinementCtx,
): void {
  const required = config.waivers.required_approvals;
  const { approver, admin } = config.rbac.roles;
  const people = new Set([...approver, ...admin]);
  if (required <= 1 || [...people].some((m) => m.endsWith(':*') || m.includes(':role:'))) return;
  if (people.size < required)
    ctx.addIssue({
      code: 'custom',
      path: ['waivers', 'required_approvals'],
      message: `needs ${required} approvers, but rbac.roles.approver and rbac.roles.admin name ${people.size}`,
    });
}

const RunbookLink = z.strictObject({ url: httpUrl, title: z.string().min(1).max(200).optional() });

const LoggingConfig = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const ConfigFile = z.strictObject({
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
  waivers: WaiversConfig.default(WaiversConfig.parse({})),
  /** Escalation policies of unacknowledged incidents (SLA timers). */
  escalations: EscalationsConfig.default(EscalationsConfig.parse({})),
  /** On-call schedules (static rotations, ICS feeds) and Threadline's own calendar feed. */
  oncall: OnCallConfig.default(OnCallConfig.parse({})),
  /** Who escalations and on-call schedules name, with their ids on each chat platform. */
  people: PeopleConfig.default({}),
  /** Where every incident's live card is also posted, per platform. */
  incidents: IncidentsConfig.default(IncidentsConfig.parse({})),
  /** Readiness exceptions: who owns them, their SLA and its escalation policy. Off when absent. */
  readiness: ReadinessConfig.optional(),
});

export const ThreadlineConfigSchema = ConfigFile.superRefine((config, ctx) => {
  checkQuorum(config, ctx);
  // A step that pages "whoever is on call" must name a schedule that exists.
  for (const { path, schedule } of unknownSchedules(config.escalations, Object.keys(config.oncall.schedules)))
    ctx.addIssue({
      code: 'custom',
      path: ['escalations', ...path],
      message: `names the on-call schedule ${schedule}, which is not under oncall.schedules`,
    });
  const policy = config.readiness?.escalation_policy;
  const known = Object.keys(config.escalations.policies);
  if (policy !== undefined && !known.includes(policy))
    ctx.addIssue({
      code: 'custom',
      path: ['readiness', 'escalation_policy'],
      message: `names no policy under escalations.policies (known: ${known.join(', ') || 'none'})`,
    });
});

export type ThreadlineConfig = z.infer<typeof ThreadlineConfigSchema>;
export type IntegrationsConfig = z.infer<typeof IntegrationsConfig>;
export type QueueSettings = z.infer<typeof QueueConfig>;
