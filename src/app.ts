import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { ChatRuntime } from './chat/runtime.js';
import type { LoadedConfig } from './config/load.js';
import { ConnectorRegistry } from './connectors/registry.js';
import { logAcceptedEvents } from './events/acceptance-log.js';
import { EventIngestor } from './events/ingest.js';
import { registerDisabledPlatformRoutes } from './http/disabled-platforms.js';
import { registerEventsRoute } from './http/events-route.js';
import { createHttpServer } from './http/server.js';
import { HttpClient } from './net/http-client.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { Redactor } from './observability/redact.js';
import { createPlatformModules } from './platforms/index.js';
import { QueueSet } from './queue/queues.js';
import { producerConnection, waitUntilReady, workerConnection } from './queue/redis.js';
import { RedisWatch } from './queue/redis-watch.js';
import { WorkerPool } from './queue/workers.js';

export type Role = 'all' | 'ingress' | 'worker';

export interface AppOptions {
  role: Role;
  logger: Logger;
  /** Overrides server.port (0 picks a free port). */
  port?: number;
  host?: string;
}

export interface RunningApp {
  readonly url: string;
  readonly port: number;
  readonly server: FastifyInstance;
  readonly metrics: Metrics;
  readonly queues: QueueSet;
  /** Present when a chat platform is enabled. */
  readonly chat?: ChatRuntime;
  close(): Promise<void>;
}

/** Wires one process: ingress (HTTP + producers), workers, or both, on one HTTP port. */
export async function startApp(loaded: LoadedConfig, options: AppOptions): Promise<RunningApp> {
  const { config } = loaded;
  const { logger, role } = options;
  const metrics = new Metrics();
  const redactor = new Redactor(loaded.secrets);
  const http = new HttpClient({ allowPrivateNetworks: config.security.allow_private_networks });
  // Chat-thread connectors reach the chat platforms, which are built further down.
  let chat: ChatRuntime | undefined;
  const registry = ConnectorRegistry.fromConfig(config, { http, chat: () => chat });
  const prefix = config.redis.prefix;

  const redisWatch = new RedisWatch({ logger, reminderIntervalMs: config.queue.redis_outage_reminder_ms });
  const producer = redisWatch.connection(
    producerConnection(config.redis.url, config.redis.command_timeout_ms),
    'ingress',
  );
  const queues = new QueueSet(producer, prefix);
  // Start even when Redis is down (readiness says so and ingress answers 503), but give it a moment.
  await waitUntilReady(producer, 5_000).catch((error: unknown) =>
    logger.error({ err: error }, 'Redis is not reachable yet'),
  );

  let workerRedis: Redis | undefined;
  let workerQueues: QueueSet | undefined;
  let pool: WorkerPool | undefined;
  if (role !== 'ingress') {
    workerRedis = redisWatch.connection(workerConnection(config.redis.url), 'worker');
    workerQueues = new QueueSet(workerRedis, prefix);
    pool = WorkerPool.forConfig(config, {
      connection: workerRedis,
      registry,
      queues: workerQueues,
      metrics,
      logger,
      redisWatch,
      redact: (text) => redactor.text(text),
    });
  }

  const server = createHttpServer({
    bodyLimit: config.server.body_limit_bytes,
    logger,
    metrics,
    probes: {
      readiness: async () => {
        const checks: Record<string, string> = {};
        checks.redis = await ping(producer);
        if (pool) checks.workers = pool.running && (chat?.workerRunning ?? true) ? 'ok' : 'not running';
        return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
      },
      beforeScrape: async () => {
        const list = [
          queues.events,
          ...registry.keys().map((key) => queues.delivery(key)),
          ...(chat?.sharedActionQueues() ?? []),
        ];
        await Promise.all(
          list.map(async (queue) => {
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
            for (const [state, count] of Object.entries(counts))
              metrics.queueDepth.set({ queue: queue.name, state }, count);
          }),
        );
      },
    },
  });

  const ingestor = new EventIngestor(
    queues,
    config.queue.dedup_window_hours * 3_600_000,
    metrics,
    logAcceptedEvents(logger, (event) => registry.route(event).map((c) => c.key)),
  );
  if (role !== 'worker' && config.inbound.events.enabled) {
    registerEventsRoute(server, {
      ingestor,
      secrets: () => config.inbound.events.secret ?? [],
      metrics,
      logger,
    });
  }

  if (role !== 'worker') registerDisabledPlatformRoutes(server, config.platforms);

  const platformDeps = { config, logger, http, redis: producer, prefix, metrics };
  const modules = createPlatformModules(platformDeps);
  if (modules.length > 0) {
    chat = new ChatRuntime({
      ...platformDeps,
      modules,
      connectors: registry,
      ingestor,
      queues,
      queueConnection: workerRedis ?? producer,
      redisWatch,
      redact: (text) => redactor.text(text),
    });
    if (role !== 'worker') await chat.startIngress(server);
    if (role !== 'ingress') {
      chat.startWorker({ concurrency: config.queue.chat_concurrency });
    }
  }

  pool?.start();

  const host = options.host ?? config.server.host;
  await server.listen({ port: options.port ?? config.server.port, host });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? config.server.port);
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.info(
    { role, url, destinations: registry.keys(), platforms: chat?.platforms.names() ?? [] },
    'threadline started',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down: no new requests, finishing in-flight jobs');
      await server.close();
      await pool?.close(config.server.shutdown_timeout_ms);
      await chat?.close(config.server.shutdown_timeout_ms);
      await queues.close();
      await workerQueues?.close();
      await Promise.allSettled([producer.quit(), workerRedis?.quit()]);
      await http.close();
      await registry.close();
      redisWatch.close();
      logger.info('shutdown complete');
    })();
    return closing;
  };

  return { url, port, server, metrics, queues, chat, close };
}

async function ping(redis: Redis): Promise<string> {
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
