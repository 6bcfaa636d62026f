import { AuthError, errorMessage, NotFoundError, RateLimitedError } from '../../core/errors.js';
import type { EventName } from '../../core/events.js';
import { EventPayload } from '../../core/payload.js';
import type { Logger } from '../../observability/logger.js';
import type { Connector } from '../connector.js';
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

/** After the pager refused a read (401/403), the next try waits this long: one request, not a loop. */
export const AUTH_RETRY_MS = 15 * 60_000;
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
    const now = this.now();
    if (record.webhookSeenAt !== undefined && now - record.webhookSeenAt < resumeAfterMs) {
      if (record.outcome !== 'paused')
        logger.info({ pager: name }, `${name} webhooks arrive: status polling paused`);
      return 'paused';
    }
    if (record.outcome === 'paused')
      logger.info({ pager: name }, `no ${name} webhook for a while: status polling resumed`);
    if (record.retryAt !== undefined && now < record.retryAt) return 'rate_limited';
    if (record.authFailedAt !== undefined && now - record.authFailedAt < AUTH_RETRY_MS) return 'auth_failed';

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
        return this.failed(name, error, record.outcome, credentials);
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

  private async failed(
    pager: string,
    error: unknown,
    last: PollOutcome | undefined,
    credentials: string,
  ): Promise<PollOutcome> {
    const { state, logger } = this.deps;
    if (error instanceof RateLimitedError) {
      await state.rateLimitedUntil(pager, this.now() + error.retryAfterMs);
      logger.warn(
        { pager, retryAfterMs: error.retryAfterMs },
        `${pager} rate limits status polling: next read after the wait`,
      );
      return 'rate_limited';
    }
    if (error instanceof AuthError) {
      if (await state.authFailed(pager, this.now()))
        logger.warn(
          { pager, err: errorMessage(error) },
          `${pager} refused a status read: check ${credentials}; polling tries again in ${AUTH_RETRY_MS / 60_000} min`,
        );
      return 'auth_failed';
    }
    // One line per outage: the next failing ticks stay quiet until a tick gets through.
    if (last !== 'failed')
      logger.warn({ pager, err: errorMessage(error) }, `${pager} status poll failed; trying again next tick`);
    return 'failed';
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
