import { Queue, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AuditLog } from '../audit/audit-log.js';
import type { AnyCommand } from '../commands/define.js';
import { COMMANDS } from '../commands/index.js';
import type { CommandServices, QueueHealth } from '../commands/services.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { EventIngestor } from '../events/ingest.js';
import type { QueueSet } from '../queue/queues.js';
import { IncidentStore } from '../workflows/incidents.js';
import { WaiverStore } from '../workflows/waivers.js';
import { type ActionWorkerDependencies, processAction, reportFailure } from './action-worker.js';
import { ACTIONS_QUEUE, type ActionJobData } from './jobs.js';
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
}

/** Everything chat needs in one process: command services, the router, threads and the action worker. */
export class ChatRuntime {
  readonly platforms = new PlatformRegistry();
  readonly router: ChatRouter;
  readonly threads: SubjectThreads;
  readonly services: CommandServices;
  readonly audit: AuditLog;
  readonly actions: Queue<ActionJobData>;
  private worker?: Worker<ActionJobData, string>;

  constructor(private readonly options: ChatRuntimeOptions) {
    const { config, redis, prefix } = options;
    for (const module of options.modules) this.platforms.register(module.platform);
    this.audit = new AuditLog(redis, prefix);
    this.threads = new SubjectThreads(redis, prefix, this.platforms);
    this.actions = new Queue<ActionJobData>(ACTIONS_QUEUE, { connection: options.queueConnection, prefix });
    const commands: readonly AnyCommand[] = COMMANDS;
    this.services = {
      incidents: new IncidentStore(redis, prefix),
      waivers: new WaiverStore(redis, prefix),
      emit: async (payload) => (await options.ingestor.accept(payload)).id,
      connectors: options.connectors,
      queueHealth: () => queueHealth(options.queues, options.connectors),
      runbooks: config.runbooks,
      commands: () => commands,
      commandName: config.platforms.command,
    };
    this.router = new ChatRouter({
      commands,
      services: this.services,
      rbac: new Rbac(config.rbac.roles),
      actions: this.actions,
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

  /** Worker: runs queued commands and posts their results. */
  startWorker(settings: { concurrency: number; lockDurationMs: number; stalledIntervalMs: number }): void {
    const deps = this.workerDependencies;
    this.worker = new Worker<ActionJobData, string>(ACTIONS_QUEUE, (job) => processAction(job, deps), {
      connection: this.options.queueConnection,
      prefix: this.options.prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: 3,
    });
    this.worker.on('error', (error) => this.options.logger.error({ err: error }, 'action worker error'));
    this.worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) void reportFailure(job, error, deps);
    });
  }

  get workerRunning(): boolean {
    return this.worker?.isRunning() ?? true;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    for (const module of this.options.modules) await module.stop?.();
    await this.actions.close();
  }
}

async function queueHealth(queues: QueueSet, connectors: ConnectorRegistry): Promise<QueueHealth[]> {
  const list = [queues.events, ...connectors.keys().map((key) => queues.delivery(key))];
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
