import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Job } from 'bullmq';
import type { Acknowledgement } from '../../chat/router.js';
import { ChatRuntime } from '../../chat/runtime.js';
import type { ReplyTo } from '../../chat/types.js';
import type { LoadedConfig } from '../../config/load.js';
import { ConnectorRegistry } from '../../connectors/registry.js';
import { UserFacingError } from '../../core/errors.js';
import { EventIngestor } from '../../events/ingest.js';
import { HttpClient } from '../../net/http-client.js';
import type { Logger } from '../../observability/logger.js';
import { Metrics } from '../../observability/metrics.js';
import { Redactor } from '../../observability/redact.js';
import { QueueSet } from '../../queue/queues.js';
import { waitUntilReady, workerConnection } from '../../queue/redis.js';
import { RedisWatch } from '../../queue/redis-watch.js';
import { WorkerPool } from '../../queue/workers.js';
import { createPlatformModules } from '../index.js';
import { ConsolePlatform } from './console.platform.js';
import { renderConsoleCard } from './render.js';

export interface ConsoleSession {
  /** Runs one line: `page payments "checkout 500s"`, or `!incident.ack INC-3` to press a button. */
  run(line: string): Promise<Acknowledgement>;
  /** Waits until a queued command has finished and its result has been printed. */
  settle(ack: Acknowledgement, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The CLI twin of chat: the same router, commands, RBAC and threads, with the terminal as the
 * platform. Other enabled platforms are reachable too, so an ack typed here updates the card
 * in Slack, Teams or Discord.
 */
export async function startConsoleSession(
  loaded: LoadedConfig,
  options: { logger: Logger; write: (text: string) => void; user?: string },
): Promise<ConsoleSession> {
  const { config } = loaded;
  const { logger, write } = options;
  const redactor = new Redactor(loaded.secrets);
  const metrics = new Metrics({ defaultMetrics: false });
  const http = new HttpClient({ allowPrivateNetworks: config.security.allow_private_networks });
  let chat: ChatRuntime | undefined;
  const registry = ConnectorRegistry.fromConfig(config, { http, chat: () => chat });
  const redisWatch = new RedisWatch({ logger, reminderIntervalMs: config.queue.redis_outage_reminder_ms });
  const redis = redisWatch.connection(workerConnection(config.redis.url), 'console');
  await waitUntilReady(redis, 5_000).catch((error: unknown) => {
    redis.disconnect();
    redisWatch.close();
    throw new UserFacingError(`${(error as Error).message}: start Redis or set REDIS_URL / redis.url`);
  });
  const prefix = config.redis.prefix;
  const queues = new QueueSet(redis, prefix);
  const ingestor = new EventIngestor(queues, config.queue.dedup_window_hours * 3_600_000, metrics);
  const pool = WorkerPool.forConfig(config, {
    connection: redis,
    registry,
    queues,
    metrics,
    logger,
    redisWatch,
    redact: (t) => redactor.text(t),
  });

  const deps = { config, logger, http, redis, prefix, metrics };
  const consoleModule = { platform: new ConsolePlatform(write) };
  const session = randomUUID().slice(0, 8);
  chat = new ChatRuntime({
    ...deps,
    modules: [consoleModule, ...createPlatformModules(deps)],
    connectors: registry,
    ingestor,
    queues,
    queueConnection: redis,
    redisWatch,
    redact: (t) => redactor.text(t),
    consoleSession: session,
  });
  pool.start();
  chat.startWorker({ concurrency: 4 });

  const user = options.user ?? userInfo().username;
  const replyTo: ReplyTo = {
    platform: 'console',
    workspace: 'console',
    conversation: `terminal-${user}`,
    user: { platform: 'console', id: user, name: user },
  };

  return {
    async run(line) {
      const trimmed = line.trim();
      const button = /^!(\S+)\s+(\S+)$/.exec(trimmed);
      const ack = button
        ? await chat.router.handleAction({
            id: randomUUID(),
            actionId: button[1]!,
            value: button[2]!,
            replyTo,
          })
        : await chat.router.handleCommand({ id: randomUUID(), text: trimmed, replyTo });
      write(`${renderConsoleCard(ack.card)}\n`);
      return ack;
    },
    async settle(ack, timeoutMs = 30_000) {
      if (!ack.job) return;
      const queue = chat.actionsQueue('console');
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const job = await Job.fromId(queue, ack.job.id);
        const state = job ? await job.getState() : 'unknown';
        if (
          state === 'completed' ||
          (state === 'failed' && job && job.attemptsMade >= (job.opts.attempts ?? 1))
        )
          return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      write(`… still running after ${timeoutMs / 1000} s; the result will appear here when it is done\n`);
    },
    async close() {
      await chat.close();
      await pool.close(config.server.shutdown_timeout_ms);
      await queues.close();
      await registry.close();
      await http.close();
      redis.disconnect();
      redisWatch.close();
    },
  };
}
