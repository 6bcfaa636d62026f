import type { FastifyInstance } from 'fastify';
import { incidentCard } from '../cards/incident.js';
import type { ChatRuntime } from './chat/runtime.js';
import type { ThreadlineConfig } from './config/schema.js';
import { incidentDedupKey } from './connectors/paging/dedup.js';
import { isPager, PAGER_SEVERITIES, type PagerSeverity } from './connectors/paging/pager.js';
import type { ConnectorRegistry } from './connectors/registry.js';
import { errorMessage } from './core/errors.js';
import type { RedisClient } from './core/redis-client.js';
import { EscalationQueue } from './events/escalation-queue.js';
import type { EventIngestor } from './events/ingest.js';
import { type HttpClient, raiseForStatus } from './net/http-client.js';
import type { Logger } from './observability/logger.js';
import type { QueueSet } from './queue/queues.js';
import type { WorkerContext } from './queue/worker-factory.js';
import { registerCalendarRoute } from './workflows/calendar.js';
import { type EscalationEffects, Escalations } from './workflows/escalations.js';
import { IncidentStore } from './workflows/incidents.js';
import { OnCallSchedules } from './workflows/oncall.js';
import { People } from './workflows/people.js';

/*
 * The escalation parts of a process, built the same way for `serve` and the console: the on-call
 * schedules, the SLA timers on the `escalations` queue, and what a timer does when it fires
 * (a threaded message, an incident_escalated event, the pagers).
 */

export function onCallSchedules(
  config: ThreadlineConfig,
  http: HttpClient,
  clock: () => number = Date.now,
): OnCallSchedules {
  const timeoutMs = config.queue.request_timeout_ms;
  return new OnCallSchedules(
    config.oncall,
    async (url) => {
      const response = await http.send({
        url,
        method: 'GET',
        timeoutMs,
        headers: { accept: 'text/calendar' },
      });
      raiseForStatus(response, 'the on-call ICS feed');
      return response.body;
    },
    clock,
  );
}

export interface EscalationParts {
  escalations: Escalations;
  timers: EscalationQueue;
  start(context: WorkerContext): void;
}

/** Undefined when no policy is configured: then nothing is scheduled and no worker runs. */
export function buildEscalations(deps: {
  config: ThreadlineConfig;
  redis: RedisClient;
  queues: QueueSet;
  registry: ConnectorRegistry;
  ingestor: EventIngestor;
  oncall: OnCallSchedules;
  chat: () => ChatRuntime | undefined;
  logger: Logger;
}): EscalationParts | undefined {
  const { config, redis, queues, registry, ingestor } = deps;
  if (Object.keys(config.escalations.policies).length === 0) return undefined;
  const timers = new EscalationQueue(queues, config.queue);
  const incidents = new IncidentStore(redis, queues.prefix);
  const effects: EscalationEffects = {
    async announce(subject, card) {
      const chat = deps.chat();
      if (!chat) return;
      // Every copy of the card shows the escalation (as after /ops escalate), then the reply under it.
      const incident = await incidents.find(subject);
      if (incident) await chat.threads.updateEverywhere(subject, incidentCard(incident));
      await chat.threads.replyEverywhere(subject, card);
    },
    async page(incident, text) {
      const dedupKey = incidentDedupKey(incident.id);
      const severity = (PAGER_SEVERITIES as readonly string[]).includes(incident.severity ?? '')
        ? (incident.severity as PagerSeverity)
        : undefined;
      // Trigger is idempotent on the key (an alert already open is not opened twice); the note says why.
      for (const pager of registry.all().filter(isPager)) {
        await pager.trigger({ dedupKey, summary: incident.title, severity, source: incident.service });
        // The page is what matters; a pager that cannot take notes (PagerDuty without a REST token) still paged.
        await pager
          .note(dedupKey, text, { by: 'threadline' })
          .catch((error: unknown) =>
            deps.logger.warn({ err: errorMessage(error), pager: pager.pager }, 'escalation note not added'),
          );
      }
    },
    async emit(payload) {
      return ingestor.accept(payload);
    },
  };
  const escalations = new Escalations(config.escalations, {
    redis,
    prefix: queues.prefix,
    timers,
    effects,
    oncall: deps.oncall,
    people: new People(config.people),
    incidents,
  });
  return { escalations, timers, start: (context) => timers.start(context, escalations) };
}

/** GET /calendar/<token>/oncall.ics when oncall.calendar is enabled. */
export function registerCalendar(
  server: FastifyInstance,
  config: ThreadlineConfig,
  oncall: OnCallSchedules,
  queues: QueueSet,
  parts: EscalationParts | undefined,
): void {
  const { calendar } = config.oncall;
  if (!calendar.enabled || !calendar.token) return;
  const timers = parts?.timers ?? new EscalationQueue(queues, config.queue);
  registerCalendarRoute(server, calendar.token, {
    schedules: oncall,
    days: calendar.days,
    pending: () => timers.pending(),
    escalations: parts?.escalations,
    policies: config.escalations.policies,
  });
}
