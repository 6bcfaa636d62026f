import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AuditLog } from '../audit/audit-log.js';
import type { AnyCommand } from '../commands/define.js';
import { COMMANDS } from '../commands/index.js';
import type { CommandServices, QueueHealth } from '../commands/services.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { isPermanent, RateLimitedError } from '../core/errors.js';
import type { EventIngestor } from '../events/ingest.js';
import type { QueueSet } from '../queue/queues.js';
import { IncidentStore } from '../workflows/incidents.js';
import { WaiverStore } from '../workflows/waivers.js';
import { type ActionWorkerDependencies, processAction, reportFailure } from './action-worker.js';
import { type ActionJobData, actionsQueueName } from './jobs.js';
import { PlatformRegistry } from './platform.js';
import type { PlatformDependencies, PlatformModule } from './platform-module.js';
import { Rbac } from './rbac.js';
import { ChatRouter } from './router.js';
import { SubjectThreads } from './threads.js';

export interface ChatRuntimeOptions extends PlatformDependencies {
  modules: readonly PlatformModule[];
  connectors: ConnectorRegistry;
  ingestor: EventIngestor;
  queues: QueueSet;
  /** Connection used by the actions queue and worker (BullMQ needs maxRetriesPerRequest: null for workers). */
  queueConnection: Redis;
  redact: (text: string) => string;
  /** Set for a console session: its actions go to a queue only this process works on. */
  consoleSession?: string;
}

/** Everything chat needs in one process: command services, the router, threads and the action worker. */
export class ChatRuntime {
  readonly platforms = new PlatformRegistry();
  readonly router: ChatRouter;
  readonly threads: SubjectThreads;
  readonly services: CommandServices;
  readonly audit: AuditLog;
  private readonly queuesByName = new Map<string, Queue<ActionJobData>>();
  private readonly workers: Worker<ActionJobData, string>[] = [];

  constructor(private readonly options: ChatRuntimeOptions) {
    const { config, redis, prefix } = options;
    for (const module of options.modules) this.platforms.register(module.platform);
    this.audit = new AuditLog(redis, prefix);
    this.threads = new SubjectThreads(redis, prefix, this.platforms);
    const commands: readonly AnyCommand[] = COMMANDS;
    this.services = {
      incidents: new IncidentStore(redis, prefix),
      waivers: new WaiverStore(redis, prefix),
      emit: async (payload) => (await options.ingestor.accept(payload)).id,
      connectors: options.connectors,
      queueHealth: () =>
        queueHealth([
          options.queues.events,
          ...options.connectors.keys().map((k) => options.queues.delivery(k)),
          ...this.sharedActionQueues(),
        ]),
      runbooks: config.runbooks,
      commands: () => commands,
      commandName: config.platforms.command,
      enabledIntegrations: Object.entries(config.integrations)
        .filter(([, block]) => block?.enabled)
        .map(([name]) => name),
    };
    this.router = new ChatRouter({
      commands,
      services: this.services,
      rbac: new Rbac(config.rbac.roles),
      actions: (replyTo) => this.actionsQueue(replyTo.platform),
      redis,
      prefix,
      audit: this.audit,
      logger: options.logger,
    });
  }

  get workerDependencies(): ActionWorkerDependencies {
    return {
      commands: COMMANDS,
      services: this.services,
      platforms: this.platforms,
      threads: this.threads,
      logger: this.options.logger,
      redact: this.options.redact,
    };
  }

  /** Ingress: the platforms' inbound routes on the shared server, and Socket Mode style listeners. */
  async startIngress(server: FastifyInstance): Promise<void> {
    for (const module of this.options.modules) module.registerRoutes?.(server, this.router);
    for (const module of this.options.modules) await module.start?.(this.router);
  }

  /** The action queues of the chat platforms (a console session's private queue is left out). */
  sharedActionQueues(): Queue<ActionJobData>[] {
    return this.platforms
      .names()
      .filter((name) => name !== 'console')
      .map((name) => this.actionsQueue(name));
  }

  actionsQueue(platform: string): Queue<ActionJobData> {
    const name = actionsQueueName(platform, platform === 'console' ? this.options.consoleSession : undefined);
    let queue = this.queuesByName.get(name);
    if (!queue) {
      queue = new Queue<ActionJobData>(name, {
        connection: this.options.queueConnection,
        prefix: this.options.prefix,
      });
      this.queuesByName.set(name, queue);
    }
    return queue;
  }

  /** Worker: runs queued commands of every enabled platform and posts their results. */
  startWorker(settings: { concurrency: number; lockDurationMs: number; stalledIntervalMs: number }): void {
    const deps = this.workerDependencies;
    for (const platform of this.platforms.names()) {
      const worker = new Worker<ActionJobData, string>(
        this.actionsQueue(platform).name,
        (job, token) =>
          processAction(job, deps).catch(async (error: unknown) => {
            // Same steering as deliveries: a platform's 429 waits without spending an attempt,
            // and a permanent error (missing access, unknown channel) is reported at once.
            if (error instanceof RateLimitedError && token) {
              await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
              throw new DelayedError();
            }
            if (isPermanent(error)) throw new UnrecoverableError(deps.redact((error as Error).message));
            throw error;
          }),
        {
          connection: this.options.queueConnection,
          prefix: this.options.prefix,
          concurrency: settings.concurrency,
          lockDuration: settings.lockDurationMs,
          stalledInterval: settings.stalledIntervalMs,
          maxStalledCount: 3,
        },
      );
      worker.on('error', (error) => this.options.logger.error({ err: error }, 'action worker error'));
      worker.on('failed', (job, error) => {
        if (job && (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))) {
          void reportFailure(job, error, deps);
        }
      });
      this.workers.push(worker);
    }
  }

  get workerRunning(): boolean {
    return this.workers.every((w) => w.isRunning());
  }

  /** Finishes running commands, but never waits longer than `timeoutMs` for them. */
  async close(timeoutMs = 25_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    // BullMQ throws an unhandled "Connection is closed" when a worker that is still connecting is closed.
    const connection = this.options.queueConnection;
    const graceful = Promise.all(
      this.workers.map(async (w) => {
        if (connection.status === 'ready') await w.waitUntilReady();
        await w.close();
      }),
    ).then(() => 'done' as const);
    if ((await Promise.race([graceful, deadline])) === 'timeout')
      await Promise.all(this.workers.map((w) => w.close(true)));
    clearTimeout(timer);
    for (const module of this.options.modules) await module.stop?.();
    await Promise.all([...this.queuesByName.values()].map((q) => q.close()));
  }
}

async function queueHealth(list: readonly Queue[]): Promise<QueueHealth[]> {
  return Promise.all(
    list.map(async (queue) => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return {
        queue: queue.name,
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    }),
  );
}
