import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { COMMANDS } from '../commands/index.js';
import { buildEscalations, onCallSchedules, registerCalendar } from './assemble-escalations.js';
import { buildReadiness } from './assemble-readiness.js';
import { ChatRuntime } from './chat/runtime.js';
import { idleIntegrationNotices } from './config/integrations.js';
import type { LoadedConfig } from './config/load.js';
import { registerAzureDevOpsHook } from './connectors/azure-devops/hook.js';
import { CONNECTORS } from './connectors/catalogue.js';
import type { ConnectorRedis } from './connectors/definition.js';
import { registerGitHubHook } from './connectors/github-projects/hook.js';
import { registerJiraHook } from './connectors/jira/hook.js';
import { registerLinearHook } from './connectors/linear/hook.js';
import { registerPagerHooks } from './connectors/paging/hooks.js';
import { isPolledPager } from './connectors/paging/pager.js';
import { PollState } from './connectors/paging/poll-state.js';
import { PagerPoller } from './connectors/paging/poller.js';
import { ConnectorRegistry } from './connectors/registry.js';
import { isTicketingConnector } from './connectors/ticketing/ticketing.connector.js';
import { PortInUseError, QueueUnavailableError } from './core/errors.js';
import type { EventName } from './core/events.js';
import type { StoredEvent } from './core/payload.js';
import type { RedisClient } from './core/redis-client.js';
import { logAcceptedEvents } from './events/acceptance-log.js';
import { FastLane } from './events/fast-lane.js';
import { registerEventsRoute } from './events/http-route.js';
import { EventIngestor, type EventObserver } from './events/ingest.js';
import { PagerPollQueue } from './events/pager-poll-queue.js';
import { WorkerPool } from './events/worker-pool.js';
import { createHttpServer } from './http/server.js';
import { HttpClient } from './net/http-client.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { Redactor } from './observability/redact.js';
import { ConsolePlatform } from './platforms/console/platform.js';
import { registerDisabledPlatformRoutes } from './platforms/disabled-routes.js';
import { createPlatformModules } from './platforms/index.js';
import { DeadLetters } from './queue/dead-letters.js';
import { Outbox } from './queue/outbox.js';
import { QueueSet } from './queue/queues.js';
import { describeTarget, producerConnection, waitUntilReady, workerConnection } from './queue/redis.js';
import { RedisWatch } from './queue/redis-watch.js';
import { WorkThrottle } from './queue/work-throttle.js';
import { type ShutdownOutcome, type ShutdownStep, shutDown } from './shutdown.js';
import { registerAlertmanagerHook } from './sources/alertmanager/route.js';
import { registerDatadogHook } from './sources/datadog/route.js';
import { registerSentryHook } from './sources/sentry/route.js';

/** The parts of the pipeline a `serve` process runs. */
export type ServeRole = 'all' | 'ingress' | 'worker';
/**
 * What a process is for: `serve`'s three roles, `console` (threadline chat), `producer`
 * (notify), `admin` (dlq) and `direct` (notify --direct, no Redis).
 */
export type Role = ServeRole | 'console' | 'producer' | 'admin' | 'direct';

interface CommonOptions {
  logger: Logger;
}
export interface ServeOptions extends CommonOptions {
  role: ServeRole;
  /** Overrides server.port (0 picks a free port). */
  port?: number;
  host?: string;
}
export interface ConsoleOptions extends CommonOptions {
  role: 'console';
  /** Where the console platform prints its cards. */
  write: (text: string) => void;
}
export interface CliOptions extends CommonOptions {
  role: 'producer' | 'admin' | 'direct';
}
export type AssembleOptions = ServeOptions | ConsoleOptions | CliOptions;

/** What every assembled process has; `close()` is bounded by server.shutdown_timeout_ms. */
export interface Assembled {
  readonly role: Role;
  readonly metrics: Metrics;
  readonly registry: ConnectorRegistry;
  close(): Promise<ShutdownOutcome>;
}
export interface RunningApp extends Assembled {
  readonly url: string;
  readonly port: number;
  readonly server: FastifyInstance;
  readonly queues: QueueSet;
  /** Present when a chat platform is enabled. */
  readonly chat?: ChatRuntime;
}
export interface ConsoleApp extends Assembled {
  readonly chat: ChatRuntime;
}
export interface ProducerApp extends Assembled {
  readonly ingestor: EventIngestor;
}
export interface AdminApp extends Assembled {
  readonly deadLetters: DeadLetters;
}

/** One function wires every entry point, so each runs the same parts built the same way. */
export function assemble(loaded: LoadedConfig, options: ServeOptions): Promise<RunningApp>;
export function assemble(loaded: LoadedConfig, options: ConsoleOptions): Promise<ConsoleApp>;
export function assemble(
  loaded: LoadedConfig,
  options: CliOptions & { role: 'producer' },
): Promise<ProducerApp>;
export function assemble(loaded: LoadedConfig, options: CliOptions & { role: 'admin' }): Promise<AdminApp>;
export function assemble(loaded: LoadedConfig, options: CliOptions & { role: 'direct' }): Promise<Assembled>;
export function assemble(loaded: LoadedConfig, options: AssembleOptions): Promise<Assembled> {
  switch (options.role) {
    case 'console':
      return assembleConsole(loaded, options);
    case 'producer':
    case 'admin':
    case 'direct':
      return assembleCli(loaded, options);
    default:
      return assembleServer(loaded, options);
  }
}

/** Metrics, redaction, outbound HTTP and the connectors: the parts every role has. */
async function foundation(loaded: LoadedConfig, logger: Logger, kind: 'serve' | 'cli') {
  const { config } = loaded;
  // Process metrics (heap, event loop …) only where /metrics is served.
  const metrics = new Metrics({ defaultMetrics: kind === 'serve' });
  const redactor = new Redactor(loaded.secrets);
  const http = new HttpClient({ allowPrivateNetworks: config.security.allow_private_networks });
  // Chat-thread connectors reach the chat platforms, which are built after the registry.
  const late: {
    chat?: ChatRuntime;
    redis?: ConnectorRedis;
    escalations?: EventObserver;
    readiness?: EventObserver;
  } = {};
  const registry = await ConnectorRegistry.fromConfig(config, {
    http,
    chat: () => late.chat,
    redis: () => late.redis,
  });
  const redact = (text: string) => redactor.text(text);
  // An enabled integration still waiting for a key says so once at start, as validate does.
  if (kind === 'serve')
    for (const notice of idleIntegrationNotices(config.integrations, CONNECTORS))
      logger.warn({ key: notice.path, hint: notice.hint }, notice.message);
  // One watcher for every Redis connection. A short-lived command reports an unreachable Redis in
  // its own one line, so its watcher speaks only of errors; a server logs the outage's start,
  // reminders and end.
  const redisWatch = new RedisWatch({
    logger: kind === 'serve' ? logger : logger.child({}, { level: 'error' }),
    reminderIntervalMs: config.queue.redis_outage_reminder_ms,
  });
  // Accepted events are logged with where they go, so a first run shows what happened to each.
  const acceptance = logAcceptedEvents(logger);
  // Ingress routes: an event is stored with its delivery jobs, so every role that accepts events routes.
  const route = (event: EventName) => registry.route(event);
  // The incident workflow sees each event before it is stored (pager-side acks, card copies), and
  // so do the escalation timers (started by incident_triggered, stopped by an ack or a resolve).
  const observe = async (event: StoredEvent) => {
    await late.chat?.observeEvent(event);
    await late.escalations?.(event);
    await late.readiness?.(event);
  };
  const ingestorOn = (queues: QueueSet, fastLane?: FastLane) =>
    new EventIngestor(queues, config.queue, route, metrics, acceptance, observe, fastLane);
  const steps: ShutdownStep[] = [
    { name: 'connectors', close: () => registry.close() },
    { name: 'http client', close: () => http.close() },
    { name: 'redis watch', close: async () => redisWatch.close() },
  ];
  // On-call schedules and escalation timers; the timers then see every event at ingress.
  const escalationsOn = (redis: RedisClient, queues: QueueSet, ingestor: EventIngestor) => {
    const oncall = onCallSchedules(config, http);
    const escalation = buildEscalations({
      config,
      redis,
      queues,
      registry,
      ingestor,
      oncall,
      chat: () => late.chat,
      logger,
    });
    if (escalation) late.escalations = (event) => escalation.escalations.observe(event);
    // Readiness exceptions' SLA timers, on the same machinery; they too see every event at ingress.
    const readiness = buildReadiness({
      config,
      redis,
      queues,
      ingestor,
      chat: () => late.chat,
      escalations: escalation?.escalations,
    });
    if (readiness) late.readiness = (event) => readiness.sla.observe(event);
    return { oncall, escalation, readiness };
  };
  return {
    config,
    metrics,
    http,
    registry,
    redact,
    late,
    steps,
    redisWatch,
    ingestorOn,
    observe,
    escalationsOn,
  };
}

async function assembleServer(loaded: LoadedConfig, options: ServeOptions): Promise<RunningApp> {
  const { logger, role } = options;
  const {
    config,
    metrics,
    http,
    registry,
    redact,
    late,
    steps,
    redisWatch,
    ingestorOn,
    observe,
    escalationsOn,
  } = await foundation(loaded, logger, 'serve');
  const prefix = config.redis.prefix;

  const producer = redisWatch.connection(
    producerConnection(config.redis.endpoint, config.redis.command_timeout_ms),
    'ingress',
  );
  const queues = new QueueSet(producer, prefix);
  late.redis = { client: producer, prefix };
  // Start even when Redis is down (readiness says so and ingress answers 503), but give it a moment.
  await waitUntilReady(producer, 5_000).catch((error: unknown) =>
    logger.error({ err: error }, 'Redis is not reachable yet'),
  );

  let workerRedis: RedisClient | undefined;
  let workerQueues: QueueSet | undefined;
  let pool: WorkerPool | undefined;
  let fastLane: FastLane | undefined;
  const outboxOptions = {
    dedupWindowMs: config.queue.dedup_window_hours * 3_600_000,
    leaseMs: config.queue.lock_duration_ms,
  };
  const outbox = new Outbox(producer, prefix, outboxOptions);
  // A process that answers requests and runs workers answers first (src/queue/work-throttle.ts).
  const throttle = role === 'all' ? new WorkThrottle() : undefined;
  if (role !== 'ingress') {
    workerRedis = redisWatch.connection(workerConnection(config.redis.endpoint), 'worker');
    workerQueues = new QueueSet(workerRedis, prefix);
    pool = WorkerPool.forConfig(config, {
      connection: workerRedis,
      registry,
      queues: workerQueues,
      metrics,
      logger,
      redisWatch,
      redact,
      // Router jobs an older version left are observed like new events.
      observe,
      outbox: new Outbox(workerRedis, prefix, outboxOptions),
      throttle,
    });
    // A process that accepts events and runs workers makes each delivery's first attempt itself.
    if (role === 'all' && config.queue.deliver_at_ingress)
      fastLane = new FastLane({
        outbox,
        processor: pool.processor,
        logger,
        redact,
      });
  }
  const ingestor = ingestorOn(queues, fastLane);
  const { oncall, escalation, readiness } = escalationsOn(
    workerRedis ?? producer,
    workerQueues ?? queues,
    ingestor,
  );

  const server = createHttpServer({
    bodyLimit: config.server.body_limit_bytes,
    logger,
    metrics,
    probes: {
      readiness: async () => {
        const checks: Record<string, string> = {};
        checks.redis = await ping(producer);
        if (pool)
          checks.workers =
            pool.running &&
            (late.chat?.workerRunning ?? true) &&
            (escalation?.timers.running ?? true) &&
            (pagerPoll?.running ?? true) &&
            (readiness?.timers.running ?? true)
              ? 'ok'
              : 'not running';
        return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
      },
      beforeScrape: async () => {
        const list = [
          queues.events,
          ...registry.keys().map((key) => queues.delivery(key)),
          ...(late.chat?.sharedActionQueues() ?? []),
        ];
        await Promise.all([
          ...list.map(async (queue) => {
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
            for (const [state, count] of Object.entries(counts))
              metrics.queueDepth.set({ queue: queue.name, state }, count);
          }),
          // Deliveries stored for their first attempt at ingress, not yet delivered or queued.
          outbox.size().then((count) => metrics.queueDepth.set({ queue: 'outbox', state: 'pending' }, count)),
        ]);
      },
    },
  });

  if (role !== 'worker' && config.inbound.events.enabled) {
    registerEventsRoute(server, {
      ingestor,
      secrets: () => config.inbound.events.secret ?? [],
      metrics,
      logger,
    });
  }
  if (role !== 'worker') registerDisabledPlatformRoutes(server, config.platforms);
  // Pager-side acks and resolves enter the pipeline as incident_* events, like POST /hooks/events.
  // A verified webhook is recorded: that pager reaches us, and its status polling pauses.
  if (role !== 'worker')
    registerPagerHooks(server, config.integrations, {
      sink: ingestor,
      logger,
      metrics,
      webhooks: new PollState(producer, prefix),
    });
  const jira = registry.get('jira');
  const jiraSecret = config.integrations.jira?.webhook_secret;
  if (role !== 'worker' && isTicketingConnector(jira) && jiraSecret)
    registerJiraHook(server, { connector: jira, secret: jiraSecret, chat: () => late.chat, logger });
  // Alert sources (Alertmanager groups, Datadog monitors, Sentry issues) open and resolve
  // incidents, announced like /ops incident's and shown in the incident channels.
  if (role !== 'worker') {
    const sourceDeps = {
      sink: ingestor,
      logger,
      metrics,
      redis: producer,
      prefix,
      incidentChannels: () => late.chat?.incidentChannels,
    };
    registerAlertmanagerHook(server, config.inbound.alertmanager, sourceDeps);
    registerDatadogHook(server, config.inbound.datadog, sourceDeps);
    registerSentryHook(server, config.inbound.sentry, sourceDeps);
  }
  if (role !== 'worker') registerCalendar(server, config, oncall, queues, escalation);
  const linear = registry.get('linear');
  const linearSecret = config.integrations.linear?.webhook_secret;
  if (role !== 'worker' && isTicketingConnector(linear) && linearSecret)
    registerLinearHook(server, { connector: linear, secret: linearSecret, chat: () => late.chat, logger });
  const azure = registry.get('azure_devops');
  const azureBlock = config.integrations.azure_devops;
  if (role !== 'worker' && isTicketingConnector(azure) && azureBlock?.webhook_password)
    registerAzureDevOpsHook(server, {
      connector: azure,
      username: azureBlock.webhook_username,
      password: azureBlock.webhook_password,
      chat: () => late.chat,
      logger,
    });
  const github = registry.get('github_projects');
  const githubSecret = config.integrations.github_projects?.webhook_secret;
  if (role !== 'worker' && isTicketingConnector(github) && githubSecret)
    registerGitHubHook(server, {
      connector: github,
      secret: githubSecret,
      sink: ingestor,
      chat: () => late.chat,
      logger,
    });

  const platformDeps = { config, logger, http, redis: producer, prefix, metrics, commands: COMMANDS };
  const modules = await createPlatformModules(platformDeps);
  const chat =
    modules.length > 0
      ? new ChatRuntime({
          ...platformDeps,
          modules,
          connectors: registry,
          ingestor,
          queues,
          queueConnection: workerRedis ?? producer,
          redisWatch,
          redact,
          oncall,
        })
      : undefined;
  late.chat = chat;
  // Pager-side changes read back by polling go through the ingestor like the pagers' webhooks.
  const polled = registry.all().filter(isPolledPager);
  const pagerPoll =
    chat && workerRedis && workerQueues && polled.length > 0
      ? new PagerPollQueue(
          workerQueues,
          polled,
          new PagerPoller({
            state: new PollState(workerRedis, prefix),
            incidents: chat.incidents,
            sink: ingestor,
            logger,
          }),
        )
      : undefined;

  let closing: Promise<ShutdownOutcome> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down: no new requests, finishing in-flight jobs');
      const outcome = await shutDown(
        [
          {
            name: 'http server',
            close: () => server.close(),
            force: () => server.server.closeAllConnections(),
          },
          {
            name: 'first attempts at ingress',
            close: (ms) => fastLane?.close(ms) ?? Promise.resolve(),
          },
          { name: 'work throttle', close: async () => throttle?.stop() },
          { name: 'delivery workers', close: (ms) => pool?.close(ms) ?? Promise.resolve() },
          { name: 'tracker polls', close: () => stopTrackerWatches(registry) },
          {
            name: 'escalation timers',
            close: (ms) => escalation?.timers.close(ms, logger) ?? Promise.resolve(),
          },
          { name: 'status polling', close: (ms) => pagerPoll?.close(ms, logger) ?? Promise.resolve() },
          {
            name: 'readiness timers',
            close: (ms) => readiness?.timers.close(ms, logger) ?? Promise.resolve(),
          },
          { name: 'chat', close: (ms) => chat?.close(ms) ?? Promise.resolve() },
          { name: 'queues', close: () => queues.close() },
          { name: 'worker queues', close: () => workerQueues?.close() ?? Promise.resolve() },
          redisStep('redis (ingress)', producer),
          ...(workerRedis ? [redisStep('redis (worker)', workerRedis)] : []),
          ...steps,
        ],
        config.server.shutdown_timeout_ms,
        logger,
      );
      logger.info({ outcome }, 'shutdown complete');
      return outcome;
    })();
    return closing;
  };

  const host = options.host ?? config.server.host;
  const requestedPort = options.port ?? config.server.port;
  try {
    if (chat && role !== 'worker') await chat.startIngress(server);
    await server.listen({ port: requestedPort, host });
  } catch (error) {
    await close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(requestedPort, { cause: error });
    throw error;
  }
  // Workers start once the port is ours, so a process that cannot listen never takes a job.
  pool?.start();
  const workerContext = workerRedis && {
    connection: workerRedis,
    prefix,
    settings: config.queue,
    metrics,
    logger,
    redisWatch,
    redact,
    throttle,
  };
  throttle?.start();
  if (escalation && workerContext) escalation.start(workerContext);
  if (pagerPoll && workerContext) {
    pagerPoll.start(workerContext);
    await pagerPoll
      .schedule()
      .catch((error: unknown) => logger.error({ err: error }, 'status polling not scheduled'));
  }
  if (readiness && workerContext) readiness.start(workerContext);
  if (chat && role !== 'ingress') {
    chat.startWorker({ concurrency: config.queue.chat_concurrency, throttle });
  }
  // Tracker polls (Planner's, and the status poll of the webhook trackers) run where workers run.
  if (role !== 'ingress')
    for (const connector of registry.all().filter(isTicketingConnector)) connector.startWatching(logger);

  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : requestedPort;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.info(
    {
      role,
      url,
      redis: describeTarget(config.redis.endpoint),
      destinations: registry.keys(),
      platforms: chat?.platforms.names() ?? [],
    },
    'threadline started',
  );
  return { role, url, port, server, metrics, registry, queues, chat, close };
}

/**
 * The console (threadline chat): the same router, commands, RBAC and threads with the terminal
 * as one more platform, and a small worker for its own queue, the deliveries and every
 * enabled platform's actions.
 */
async function assembleConsole(loaded: LoadedConfig, options: ConsoleOptions): Promise<ConsoleApp> {
  const { logger } = options;
  const {
    config,
    metrics,
    http,
    registry,
    redact,
    late,
    steps,
    redisWatch,
    ingestorOn,
    observe,
    escalationsOn,
  } = await foundation(loaded, logger, 'cli');
  const prefix = config.redis.prefix;
  const redis = redisWatch.connection(workerConnection(config.redis.endpoint), 'console');
  await requireRedis(redis, config, steps, logger);
  late.redis = { client: redis, prefix };

  const queues = new QueueSet(redis, prefix);
  const ingestor = ingestorOn(queues);
  const { oncall, escalation, readiness } = escalationsOn(redis, queues, ingestor);
  const pool = WorkerPool.forConfig(config, {
    connection: redis,
    registry,
    queues,
    metrics,
    logger,
    redisWatch,
    redact,
    observe,
  });
  const deps = { config, logger, http, redis, prefix, metrics, commands: COMMANDS };
  // Numbers come from Redis so that every console session and process numbers messages apart.
  const terminal = new ConsolePlatform(options.write, () => redis.incr(`${prefix}:console:message-number`));
  const chat = new ChatRuntime({
    ...deps,
    modules: [{ platform: terminal }, ...(await createPlatformModules(deps))],
    connectors: registry,
    ingestor,
    queues,
    queueConnection: redis,
    redisWatch,
    redact,
    consoleSession: randomUUID().slice(0, 8),
    oncall,
  });
  late.chat = chat;
  pool.start();
  const workerContext = {
    connection: redis,
    prefix,
    settings: config.queue,
    metrics,
    logger,
    redisWatch,
    redact,
  };
  escalation?.start(workerContext);
  readiness?.start(workerContext);
  chat.startWorker({ concurrency: 4 });

  const close = once(() =>
    shutDown(
      [
        { name: 'chat', close: (ms) => chat.close(ms) },
        { name: 'delivery workers', close: (ms) => pool.close(ms) },
        {
          name: 'escalation timers',
          close: (ms) => escalation?.timers.close(ms, logger) ?? Promise.resolve(),
        },
        {
          name: 'readiness timers',
          close: (ms) => readiness?.timers.close(ms, logger) ?? Promise.resolve(),
        },
        { name: 'queues', close: () => queues.close() },
        redisStep('redis', redis),
        ...steps,
      ],
      config.server.shutdown_timeout_ms,
      logger,
    ),
  );
  return { role: 'console', metrics, registry, chat, close };
}

/** notify (producer), dlq (admin) and notify --direct: short-lived, and Redis must answer at once. */
async function assembleCli(
  loaded: LoadedConfig,
  options: CliOptions,
): Promise<ProducerApp | AdminApp | Assembled> {
  const { logger, role } = options;
  const { config, metrics, registry, steps, redisWatch, ingestorOn } = await foundation(
    loaded,
    logger,
    'cli',
  );
  const closeWith = (extra: ShutdownStep[]) =>
    once(() => shutDown([...extra, ...steps], config.server.shutdown_timeout_ms, logger));
  if (role === 'direct') return { role, metrics, registry, close: closeWith([]) };

  // The producer connection has a command deadline, so Redis lost mid-command fails instead of hanging.
  const redis = redisWatch.connection(
    producerConnection(config.redis.endpoint, config.redis.command_timeout_ms),
    'cli',
  );
  await requireRedis(redis, config, steps, logger);
  const queues = new QueueSet(redis, config.redis.prefix);
  const close = closeWith([{ name: 'queues', close: () => queues.close() }, redisStep('redis', redis)]);
  if (role === 'admin') return { role, metrics, registry, deadLetters: new DeadLetters(queues), close };
  return { role, metrics, registry, ingestor: ingestorOn(queues), close };
}

/** Short-lived commands need Redis now: they fail within the deadline instead of waiting for it. */
async function requireRedis(
  redis: RedisClient,
  config: LoadedConfig['config'],
  built: readonly ShutdownStep[],
  logger: Logger,
): Promise<void> {
  try {
    await waitUntilReady(redis, Math.max(config.redis.command_timeout_ms, 2_000));
  } catch (error) {
    await shutDown([redisStep('redis', redis), ...built], config.server.shutdown_timeout_ms, logger);
    throw new QueueUnavailableError(
      `Redis is unreachable (${(error as Error).message}): start Redis or check REDIS_URL / redis.url`,
      { cause: error },
    );
  }
}

/** Quits politely when Redis answers; otherwise, and at the deadline, drops the connection. */
function redisStep(name: string, redis: RedisClient): ShutdownStep {
  return {
    name,
    close: async () => {
      try {
        if (redis.status === 'ready') await redis.quit();
      } finally {
        redis.disconnect();
      }
    },
    force: () => redis.disconnect(),
  };
}

async function stopTrackerWatches(registry: ConnectorRegistry): Promise<void> {
  await Promise.all(
    registry
      .all()
      .filter(isTicketingConnector)
      .map((c) => c.stopWatching()),
  );
}

function once<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= run();
    return running;
  };
}

async function ping(redis: RedisClient): Promise<string> {
  try {
    const answer = await Promise.race([
      redis.ping(),
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000).unref()),
    ]);
    return answer === 'PONG' ? 'ok' : `unexpected answer ${answer}`;
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  }
}
