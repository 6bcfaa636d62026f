import { NotFoundError } from '../../core/errors.js';
import type { EventName } from '../../core/events.js';
import { EventPayload } from '../../core/payload.js';
import type { Logger } from '../../observability/logger.js';
import type { Connector } from '../connector.js';
import { pollFailure, pollGate } from '../poll-gate.js';
import { incidentDedupKey } from './dedup.js';
import type { EventSink } from './inbound.js';
import type { PagerSideStatus, PagerStatusReport, PolledPager } from './pager.js';
import type { PollOutcome, PollState } from './poll-state.js';

/** The incident as the poller needs it (the incident store's `find`). */
export interface PolledIncident {
  id: string;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
}

export interface IncidentLookup {
  find(id: string): Promise<PolledIncident | undefined>;
}

/** Open incidents read per tick at most, oldest first. */
const MAX_PER_TICK = 200;

const RANK: Record<PagerSideStatus, number> = { triggered: 0, acknowledged: 1, resolved: 2 };
const CHANGE: Record<'acknowledged' | 'resolved', { event: EventName; step: string }> = {
  acknowledged: { event: 'incident_acknowledged', step: 'acknowledge' },
  resolved: { event: 'incident_resolved', step: 'resolve' },
};

/**
 * The fallback when a pager's webhooks cannot reach us: reads the status of every open incident
 * the pager was paged for and, when the pager is ahead of Threadline (acknowledged or resolved
 * there only), hands the change to the same sink as the pager's webhook. The event carries the
 * pager as its origin, so it is applied, shown on every card once, and never sent back.
 */
export class PagerPoller {
  constructor(
    private readonly deps: {
      state: PollState;
      incidents: IncidentLookup;
      sink: EventSink;
      logger: Logger;
      clock?: () => number;
    },
  ) {}

  /** One tick for one pager; safe to run from any process (a lock keeps ticks of a pager apart). */
  async poll(pager: Connector & PolledPager): Promise<PollOutcome> {
    const settings = pager.polling;
    if (!settings) return 'off';
    const { state } = this.deps;
    const release = await state.lock(pager.pager, Math.max(settings.intervalMs, 30_000));
    if (!release) return 'busy';
    try {
      const outcome = await this.tick(pager, settings.resumeAfterMs, settings.credentials);
      await state.recordTick(pager.pager, outcome, this.now());
      return outcome;
    } finally {
      await release();
    }
  }

  private async tick(
    pager: Connector & PolledPager,
    resumeAfterMs: number,
    credentials: string,
  ): Promise<PollOutcome> {
    const { state, logger } = this.deps;
    const name = pager.pager;
    const ids = await state.tracked(name, MAX_PER_TICK);
    if (ids.length === 0) return 'idle';
    const record = await state.read(name);
    const subject = { name, fields: { pager: name }, logger };
    const gate = pollGate(record, this.now(), resumeAfterMs, subject);
    if (gate) return gate;

    for (const id of ids) {
      const incident = await this.deps.incidents.find(id);
      if (!incident || incident.status === 'resolved') {
        await state.untrack(name, id);
        continue;
      }
      let report: PagerStatusReport | undefined;
      try {
        report = await pager.status(incidentDedupKey(id));
      } catch (error) {
        if (error instanceof NotFoundError) continue;
        return pollFailure(error, subject, {
          lastOutcome: record.outcome,
          now: this.now(),
          credentials,
          rateLimitedUntil: (until) => state.rateLimitedUntil(name, until),
          authFailed: (at) => state.authFailed(name, at),
        });
      }
      if (record.authFailedAt !== undefined && (await state.authWorks(name)))
        logger.info({ pager: name }, `${name} accepts ${credentials} again: status polling resumed`);
      record.authFailedAt = undefined;
      if (!report || RANK[report.status] <= RANK[incident.status]) continue;
      await this.apply(name, incident, report);
      if (report.status === 'resolved') await state.untrack(name, id);
    }
    return 'polled';
  }

  /** The change as the pager's webhook would have brought it in. */
  private async apply(pager: string, incident: PolledIncident, report: PagerStatusReport): Promise<void> {
    const change = CHANGE[report.status as 'acknowledged' | 'resolved'];
    const dedupKey = incidentDedupKey(incident.id);
    const payload = EventPayload.parse({
      // One id per incident and step: a second process or a restart polling the same change is a duplicate.
      id: `${pager}.poll.${incident.id}.${change.step}`,
      event: change.event,
      timestamp: new Date(this.now()).toISOString(),
      origin: pager,
      incident: {
        id: incident.id,
        title: incident.title,
        status: report.status,
        dedup_key: dedupKey,
        pager,
        ...(report.reference ? { pager_incident_id: report.reference } : {}),
        ...(report.by ? { by: report.by } : {}),
        polled: true,
      },
      spec: { id: incident.id, title: incident.title, status: report.status },
    });
    await this.deps.sink.accept(payload);
    this.deps.logger.info(
      { pager, incident: incident.id, status: report.status },
      `${pager} reports ${incident.id} ${report.status} (status poll)`,
    );
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
