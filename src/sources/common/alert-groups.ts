import { createHash } from 'node:crypto';
import { incidentEvent } from '../../../commands/incident-events.js';
import type { EventSink } from '../../connectors/paging/inbound.js';
import type { RedisClient } from '../../core/redis-client.js';
import { type Incident, type IncidentStore, lastEntry } from '../../workflows/incidents.js';
import { graver, type SourceAlert } from './alert-context.js';

/** As long as the incidents themselves are kept (src/workflows/incidents.ts). */
const RETENTION_SECONDS = 90 * 86_400;
/** How long after resolving a group a repeated resolved notification still emits (as a duplicate). */
const RETRY_WINDOW_MS = 3_600_000;

/**
 * The incident channels' side of an alert source (src/chat/incident-channels.ts): an incident a
 * source opens gets its live card there like one opened with /ops page. Both calls are idempotent
 * per incident and channel, so a retried notification posts nothing twice.
 */
export interface IncidentChannelCards {
  /** Puts the incident's card in every incident channel, with `line` under it. */
  opened(incidentId: string, line: string): Promise<unknown>;
  /** Brings the card in every incident channel to the incident's state, with `line` under it once per `step`. */
  changed(incidentId: string, step: string, line: string): Promise<unknown>;
}

export type FiringOutcome = { incident: Incident; opened: boolean };
export type ResolvedOutcome = { incident?: Incident; resolved: boolean };

export interface FiringOptions {
  /**
   * Whether a firing for a group whose incident this source itself resolved opens a new incident.
   * True for sources whose group outlives an episode (an Alertmanager group, a Sentry issue that
   * regresses); false where the key names one episode (a Datadog alert cycle), so a late or
   * retried trigger never reopens what its own recovery closed.
   */
  reopenAfterSourceResolved?: boolean;
}

/**
 * One incident per alert group of a source (an Alertmanager group, a Datadog monitor's alert
 * cycle, a Sentry issue): `<prefix>:<source>:group:<sha256 of the group key>` names the group's
 * latest incident. While it is open, every notification for the group (a repeat, an alert joining
 * or leaving) updates it and pages nobody; a resolved notification resolves it; the next firing
 * after that opens a new one.
 *
 * Opening is idempotent without a lock: the incident is created with an idempotency key made of
 * the group and the incident it follows, so replicas or retries racing on one group get the same
 * incident; its `INC-n.triggered` event id makes a second emit a duplicate that nothing delivers;
 * the mapping is written last, so a crash before it is repaired by the retry.
 */
export class AlertGroups {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly incidents: IncidentStore,
    private readonly sink: EventSink,
    /** The source's name: the incident's `createdBy`, and its Redis key space. */
    private readonly source: string,
    private readonly channels: () => IncidentChannelCards | undefined = () => undefined,
  ) {}

  async firing(groupKey: string, alert: SourceAlert, options: FiringOptions = {}): Promise<FiringOutcome> {
    const group = groupHash(groupKey);
    const { id, incident: current } = await this.current(group);
    if (current && current.status !== 'resolved') {
      // A warning that turns critical shows as critical; a calmer repeat does not downplay it.
      const severity = graver(current.severity, alert.severity);
      const { applied, incident } = await this.incidents.refresh(current.id, {
        title: alert.title,
        ...(severity !== current.severity ? { severity } : {}),
        ...(alert.service ? { service: alert.service } : {}),
        ...(alert.runbookUrl ? { runbookUrl: alert.runbookUrl } : {}),
        ...(alert.labels && Object.keys(alert.labels).length > 0 ? { labels: alert.labels } : {}),
        ...(alert.links && alert.links.length > 0 ? { links: alert.links } : {}),
      });
      // Resolved between the read and the update: this firing starts the next incident.
      if (applied) return { incident, opened: false };
    }
    if (options.reopenAfterSourceResolved === false && id) {
      const latest = await this.incidents.find(id);
      if (latest && lastEntry(latest, 'resolved')?.by === this.source)
        return { incident: latest, opened: false };
    }
    return this.open(group, alert, id);
  }

  async resolved(groupKey: string): Promise<ResolvedOutcome> {
    const { incident: current } = await this.current(groupHash(groupKey));
    if (!current) return { resolved: false };
    const { applied, incident } = await this.incidents.resolve(current.id, this.source);
    // A retry after a crash between the two steps finds it just resolved by us and emits again: a
    // duplicate of an event that may never have been stored. A late repeat sends nothing.
    if (applied || this.resolvedByUsSince(incident, Date.now() - RETRY_WINDOW_MS)) {
      await this.sink.accept(
        incidentEvent('incident_resolved', incident, 'resolved', { pagedByWorkflow: false }),
      );
      await this.channels()?.changed(incident.id, 'resolved', `✅ ${incident.id} resolved by ${this.source}`);
    }
    return { incident, resolved: applied };
  }

  private async open(group: string, alert: SourceAlert, after: string | undefined): Promise<FiringOutcome> {
    const { incident, created } = await this.incidents.create(
      { ...alert, by: this.source },
      `${this.source}.${group}.after.${after ?? 'none'}`,
    );
    await this.sink.accept(
      incidentEvent('incident_triggered', incident, 'triggered', { pagedByWorkflow: false }),
    );
    await this.channels()?.opened(
      incident.id,
      `🚨 ${incident.id} opened${incident.service ? ` for ${incident.service}` : ''} by ${this.source}`,
    );
    await this.redis.set(this.key(group), incident.id, 'EX', RETENTION_SECONDS);
    return { incident, opened: created };
  }

  /** The group's latest incident id, and the incident while it is still kept. */
  private async current(group: string): Promise<{ id?: string; incident?: Incident }> {
    const id = (await this.redis.get(this.key(group))) ?? undefined;
    return { id, incident: id ? await this.incidents.find(id) : undefined };
  }

  private key(group: string): string {
    return `${this.prefix}:${this.source}:group:${group}`;
  }

  private resolvedByUsSince(incident: Incident, since: number): boolean {
    const entry = lastEntry(incident, 'resolved');
    return entry?.by === this.source && Date.parse(entry.at) >= since;
  }
}

/** Group keys can be long (every grouping label's value): hashed, they make a short key of fixed length. */
function groupHash(groupKey: string): string {
  return createHash('sha256').update(groupKey, 'utf8').digest('hex').slice(0, 40);
}
