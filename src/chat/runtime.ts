import type { Job, Queue, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { AnyCommand } from '../../commands/define.js';
import type { CommandServices, QueueHealth } from '../../commands/services.js';
import { AuditLog } from '../audit/audit-log.js';
import type { ThreadlineConfig } from '../config/schema.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { SpecTicketLinks } from '../connectors/ticketing/links.js';
import { type SpecTickets, specTicketsFor } from '../connectors/ticketing/spec-tickets.js';
import type { StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';
import type { EventIngestor } from '../events/ingest.js';
import type { PlatformDependencies, PlatformModule } from '../platforms/chat-platform.js';
import { jobOptions } from '../queue/job-options.js';
import { outboxSize } from '../queue/outbox.js';
import type { QueueSet } from '../queue/queues.js';
import type { RedisWatch } from '../queue/redis-watch.js';
import { closeWorkers } from '../queue/shutdown.js';
import type { WorkThrottle } from '../queue/work-throttle.js';
import { createSteeredWorker, type WorkerContext } from '../queue/worker-factory.js';
import { IncidentStore, incidentChannels } from '../workflows/incidents.js';
import type { OnCallSchedules } from '../workflows/oncall.js';
import { ReadinessExceptions } from '../workflows/readiness.js';
import { WaiverStore } from '../workflows/waivers.js';
import { type ActionWorkerDependencies, processAction, reportFailure } from './action-worker.js';
import {
  type IncidentChannelJobData,
  IncidentChannels,
  isIncidentChannelJob,
  showInIncidentChannel,
} from './incident-channels.js';
import { IncidentPagerCalls, type PagerCallJobData, pagerCallsQueueName } from './incident-paging.js';
import { type ActionJobData, actionsQueueName } from './jobs.js';
import {
  INCIDENT_CARDS_QUEUE,
  type IncidentCardsJobData,
  PagerReports,
  updateIncidentCards,
} from './pager-reports.js';
import { PlatformRegistry } from './platform.js';
import { Rbac } from './rbac.js';
import { ReadinessOwners } from './readiness-owners.js';
import { ChatRouter } from './router.js';
import { SubjectThreads } from './threads.js';

export interface ChatRuntimeOptions extends PlatformDependencies {
  config: Readonly<ThreadlineConfig>;
  /** The command definitions (commands/index.ts), passed in by the composition root. */
  commands: readonly AnyCommand[];
  modules: readonly PlatformModule[];
  connectors: ConnectorRegistry;
  ingestor: EventIngestor;
  /** Where the action queues come from, like every other queue of the process. */
  queues: QueueSet;
  /** Connection of the action workers (BullMQ needs maxRetriesPerRequest: null for workers). */
  queueConnection: RedisClient;
  redisWatch: RedisWatch;
  redact: (text: string) => string;
  /** Set for a console session: its actions go to a queue only this process works on. */
  consoleSession?: string;
  /** For /ops oncall; absent when no schedule is configured. */
  oncall?: OnCallSchedules;
}

/** Everything chat needs in one process: command services, the router, threads and the action worker. */
export class ChatRuntime {
  readonly platforms = new PlatformRegistry();
  readonly router: ChatRouter;
  readonly threads: SubjectThreads;
  readonly services: CommandServices;
  readonly audit: AuditLog;
  /** Every enabled pager, called once per incident step (commands/services.ts: IncidentPaging). */
  readonly paging: IncidentPagerCalls;
  /**
   * Readiness exceptions, for connectors that render a spec's exception card (ChatSurface);
   * absent without a `readiness:` block, so other configs pay no look-up per delivery.
   */
  readonly readiness?: ReadinessExceptions;
  /** The incident channels (`incidents.channels`), also shown the incidents alert sources open. */
  readonly incidentChannels: IncidentChannels;
  /** Specs' tickets, for connectors that show them on spec cards (ChatSurface); absent without a tracker. */
  readonly tickets?: SpecTickets;
  private readonly reports: PagerReports;
  private readonly workers: Worker[] = [];

  constructor(private readonly options: ChatRuntimeOptions) {
    const { config, redis, prefix } = options;
    for (const module of options.modules) this.platforms.register(module.platform);
    this.audit = new AuditLog(redis, prefix);
    this.threads = new SubjectThreads(redis, prefix, this.platforms);
    const { commands } = options;
    const incidents = new IncidentStore(redis, prefix);
    const rbac = new Rbac(config.rbac.roles);
    const readiness = config.readiness ? new ReadinessExceptions(redis, prefix) : undefined;
    this.readiness = readiness;
    this.tickets = specTicketsFor(
      options.connectors.all(),
      (systems) => new SpecTicketLinks(redis, prefix, systems),
      this.threads,
    );
    this.paging = new IncidentPagerCalls({
      registry: options.connectors,
      queues: options.queues,
      redis,
      prefix,
      incidents,
      settings: config.queue,
    });
    this.reports = new PagerReports({
      incidents,
      paging: this.paging,
      queues: options.queues,
      settings: config.queue,
      logger: options.logger,
    });
    this.incidentChannels = new IncidentChannels({
      channels: incidentChannels(config.incidents),
      platforms: this.platforms,
      queues: options.queues,
      settings: config.queue,
    });
    this.services = {
      incidents,
      paging: this.paging,
      waivers: new WaiverStore(redis, prefix, { requiredApprovals: config.waivers.required_approvals }),
      emit: async (payload) => (await options.ingestor.accept(payload)).id,
      connectors: options.connectors,
      queueHealth: async () => [
        ...(await queueHealth([
          options.queues.events,
          ...options.connectors.keys().map((k) => options.queues.delivery(k)),
          ...this.sharedActionQueues(),
          ...this.paging.pagers().map((p) => options.queues.named(pagerCallsQueueName(p.key))),
          options.queues.named(INCIDENT_CARDS_QUEUE),
        ])),
        // First attempts at ingress, in flight or left by a stopped process for a worker to queue.
        { queue: 'outbox', waiting: 0, active: await outboxSize(redis, prefix), delayed: 0, failed: 0 },
      ],
      runbooks: config.runbooks,
      commands: () => commands,
      commandName: config.platforms.command,
      enabledIntegrations: Object.entries(config.integrations)
        .filter(([, block]) => block?.enabled)
        .map(([name]) => name),
      oncall: options.oncall,
      incidentChannels: this.incidentChannels,
      readiness:
        readiness && config.readiness
          ? new ReadinessOwners(readiness, config.readiness, rbac, this.audit)
          : undefined,
    };
    this.router = new ChatRouter({
      commands,
      services: this.services,
      rbac,
      actions: (replyTo) => this.actionsQueue(replyTo.platform),
      actionJobOptions: jobOptions('action', config.queue),
      redis,
      prefix,
      audit: this.audit,
      logger: options.logger,
    });
  }

  /** The incidents, for connectors that render an incident's card (ChatSurface). */
  get incidents(): IncidentStore {
    return this.services.incidents;
  }

  /**
   * Sees every event before it is routed: a pager-side change to one of our incidents is applied
   * here, so everything rendered for the event afterwards shows the new state.
   */
  observeEvent(event: StoredEvent): Promise<void> {
    return this.reports.observe(event);
  }

  get workerDependencies(): ActionWorkerDependencies {
    return {
      commands: this.options.commands,
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
    return this.options.queues.named<ActionJobData>(this.actionsQueueName(platform));
  }

  private actionsQueueName(platform: string): string {
    return actionsQueueName(platform, platform === 'console' ? this.options.consoleSession : undefined);
  }

  /**
   * Worker: runs queued commands of every enabled platform and posts their results. Failures are
   * steered like deliveries (queue/steer.ts), labelled `actions.<platform>`; after the last
   * attempt the person who asked is told what failed.
   */
  startWorker(settings: { concurrency: number; throttle?: WorkThrottle }): void {
    const deps = this.workerDependencies;
    const { config, queueConnection, prefix, metrics, logger, redisWatch, redact } = this.options;
    const context: WorkerContext = {
      connection: queueConnection,
      prefix,
      settings: config.queue,
      metrics,
      logger,
      redisWatch,
      redact,
      throttle: settings.throttle,
    };
    for (const platform of this.platforms.names()) {
      const label = actionsQueueName(platform);
      const worker = createSteeredWorker<ActionJobData, string>(
        context,
        this.actionsQueueName(platform),
        async (job) => {
          const title = await processAction(job, deps);
          metrics.deliveries.inc({ integration: label, outcome: 'delivered' });
          return title;
        },
        {
          concurrency: settings.concurrency,
          kind: 'chat command',
          label: () => label,
          onDeadLetter: (job, error) => reportFailure(job, error, deps),
        },
      );
      this.workers.push(worker);
    }
    for (const pager of this.paging.pagers()) {
      const label = pagerCallsQueueName(pager.key);
      this.workers.push(
        createSteeredWorker<PagerCallJobData, string>(context, label, (job) => this.paging.process(job), {
          concurrency: settings.concurrency,
          kind: 'pager call',
          label: () => label,
        }),
      );
    }
    const cards = { incidents: this.services.incidents, threads: this.threads, platforms: this.platforms };
    this.workers.push(
      createSteeredWorker<IncidentCardsJobData | IncidentChannelJobData, string>(
        context,
        INCIDENT_CARDS_QUEUE,
        (job) =>
          isIncidentChannelJob(job)
            ? showInIncidentChannel(job, cards)
            : updateIncidentCards(job as Job<IncidentCardsJobData>, cards),
        { concurrency: settings.concurrency, kind: 'incident cards', label: () => INCIDENT_CARDS_QUEUE },
      ),
    );
  }

  get workerRunning(): boolean {
    return this.workers.every((w) => w.isRunning());
  }

  /** Finishes running commands, but never waits longer than `timeoutMs` for them. */
  async close(timeoutMs = 25_000): Promise<void> {
    await closeWorkers(this.workers, timeoutMs, this.options.logger, this.options.queueConnection);
    for (const module of this.options.modules) await module.stop?.();
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
