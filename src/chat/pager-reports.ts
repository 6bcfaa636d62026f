import type { Job } from 'bullmq';
import { z } from 'zod';
import { incidentCard } from '../../cards/incident.js';
import { resultCard } from '../../cards/result.js';
import type { PagerStep } from '../../commands/services.js';
import type { QueueSettings } from '../config/schema.js';
import { originOf } from '../connectors/paging/events.js';
import type { StoredEvent } from '../core/payload.js';
import type { Logger } from '../observability/logger.js';
import { jobOptions } from '../queue/job-options.js';
import type { QueueSet } from '../queue/queues.js';
import type { Deferrable } from '../queue/steer.js';
import type { Incident, IncidentStore, Transition } from '../workflows/incidents.js';
import type { IncidentPagerCalls } from './incident-paging.js';
import type { SubjectThreads } from './threads.js';

/** Card updates after a pager-side change: posting is a platform call, so it is a job of its own. */
export const INCIDENT_CARDS_QUEUE = 'incident-cards';

export interface IncidentCardsJobData extends Deferrable {
  incident: string;
  /** The line posted in every thread of the incident, e.g. "👀 INC-3 acknowledged by Sam in PagerDuty". */
  line: string;
  resolved: boolean;
  posted?: boolean;
}

const CHANGES = {
  incident_acknowledged: { step: 'acknowledge', verb: 'acknowledged', emoji: '👀' },
  incident_resolved: { step: 'resolve', verb: 'resolved', emoji: '✅' },
  incident_escalated: { step: 'escalate', verb: 'escalated', emoji: '⏫' },
} as const satisfies Record<string, { step: PagerStep; verb: string; emoji: string }>;

const PAGER_LABELS: Record<string, string> = { pagerduty: 'PagerDuty', opsgenie: 'Opsgenie' };

const ReportedIncident = z.looseObject({
  id: z.string().min(1).max(100),
  by: z.string().max(200).optional(),
});

/**
 * Changes a pager reported through its webhook (`incident_*` events with `origin`) about an
 * incident Threadline opened. Applied before the event is routed, so every card rendered for it
 * afterwards shows the new state: the transition goes into the incident store, the other pagers
 * are asked for the same step, and every copy of the card is updated. A change that answers our
 * own call to that pager is recognised and dropped, so nothing loops.
 */
export class PagerReports {
  constructor(
    private readonly deps: {
      incidents: IncidentStore;
      paging: IncidentPagerCalls;
      queues: QueueSet;
      settings: QueueSettings;
      logger: Logger;
    },
  ) {}

  /** Called for every event before it is routed; only Redis is written, so it is safe to repeat. */
  async observe(event: StoredEvent): Promise<void> {
    const { payload } = event;
    // Every accepted event passes here: anything but a pager's incident change leaves at once.
    const change = CHANGES[payload.event as keyof typeof CHANGES];
    if (!change) return;
    const origin = originOf(payload);
    if (!origin) return;
    const reported = ReportedIncident.safeParse(payload.incident);
    if (!reported.success) return;
    const { id, by: agent } = reported.data;
    if (!(await this.deps.incidents.find(id))) return;
    if (await this.deps.paging.isEcho(id, origin, change.step)) {
      this.deps.logger.debug(
        { incident: id, pager: origin, event: event.id },
        `${origin} reported our own ${change.step}: nothing to do`,
      );
      return;
    }
    const label = PAGER_LABELS[origin] ?? origin;
    const by = agent ?? label;
    const transition = await this.apply(id, change.step, by, origin);
    if (!transition.applied) return;
    await this.deps.paging.markReported(id, origin, change.step);
    await this.deps.paging.request(id, change.step, { by: `${by} (${label})` }, { except: origin });
    const data: IncidentCardsJobData = {
      incident: id,
      line: `${change.emoji} ${id} ${change.verb} by ${by} in ${label}`,
      resolved: change.step === 'resolve',
    };
    await this.deps.queues
      .named<IncidentCardsJobData>(INCIDENT_CARDS_QUEUE)
      .add('cards', data, { ...jobOptions('action', this.deps.settings), jobId: `cards.${event.id}` });
  }

  private apply(id: string, step: PagerStep, by: string, via: string): Promise<Transition> {
    const { incidents } = this.deps;
    if (step === 'acknowledge') return incidents.acknowledge(id, by, via);
    if (step === 'resolve') return incidents.resolve(id, by, via);
    return incidents.escalate(id, by, undefined, via);
  }
}

/** The incident-cards worker's job: every copy of the card in its current state, and a line in each thread. */
export async function updateIncidentCards(
  job: Job<IncidentCardsJobData>,
  deps: { incidents: IncidentStore; threads: SubjectThreads },
): Promise<string> {
  const incident: Incident = await deps.incidents.get(job.data.incident);
  const copies = await deps.threads.updateEverywhere(incident.id, incidentCard(incident));
  // Updating is idempotent; the line is posted once, so a retry after it only updates.
  if (!job.data.posted) {
    await deps.threads.replyEverywhere(
      incident.id,
      resultCard(job.data.line, undefined, job.data.resolved ? 'success' : 'info'),
    );
    await job.updateData({ ...job.data, posted: true });
  }
  return `${copies} card(s) of ${incident.id} updated`;
}
