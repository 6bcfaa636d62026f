import { z } from 'zod';
import type { ConversationRef } from '../core/chat.js';
import { type ConfigProblem, NotFoundError, UserFacingError } from '../core/errors.js';
import type { RedisClient } from '../core/redis-client.js';

export const IncidentsConfig = z.strictObject({
  /**
   * Where `/ops page` and `/ops incident` also post the incident's live card, whichever
   * conversation they were typed in: one channel per platform. Every copy shows the same state.
   */
  channels: z
    .strictObject({
      slack: z
        .string()
        .regex(/^[CG][A-Z0-9]{2,30}$/, 'must be a Slack channel id such as C0123ABCD')
        .optional(),
      discord: z
        .string({ error: 'write the Discord channel id in quotes (a bare number loses its last digits)' })
        .regex(/^\d{15,21}$/, 'must be a Discord channel id (digits)')
        .optional(),
      /** A Teams conversation id (`19:…@thread.tacv2`); the bot must have been added there. */
      teams: z
        .string()
        .regex(/^[\w:.@=-]{1,300}$/, 'must be a Teams conversation id such as 19:…@thread.tacv2')
        .optional(),
    })
    .default({}),
});
export type IncidentsConfig = z.infer<typeof IncidentsConfig>;

/** An incident channel on a platform that is not enabled is never posted to: a notice, not an error. */
export function idleIncidentChannels(config: {
  incidents: IncidentsConfig;
  platforms: Partial<Record<'slack' | 'discord' | 'teams', { enabled: boolean } | undefined>>;
}): ConfigProblem[] {
  return incidentChannels(config.incidents)
    .filter((c) => !config.platforms[c.platform]?.enabled)
    .map((c) => ({
      path: `incidents.channels.${c.platform}`,
      message: `is not used: platforms.${c.platform} is not enabled`,
    }));
}

/** The configured incident channels as places to post. */
export function incidentChannels(
  config: IncidentsConfig,
): Array<ConversationRef & { platform: 'slack' | 'discord' | 'teams' }> {
  return (['slack', 'discord', 'teams'] as const).flatMap((platform) => {
    const conversation = config.channels[platform];
    return conversation ? [{ platform, workspace: 'default', conversation }] : [];
  });
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type IncidentSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface IncidentHistoryEntry {
  at: string;
  by: string;
  action: 'triggered' | 'acknowledged' | 'resolved' | 'escalated';
  note?: string;
  /** The pager that reported this change (`pagerduty`, `opsgenie`); absent when it was made in Threadline. */
  via?: string;
}

/** A link an alert source gives for its incident: the Datadog monitor, the Sentry issue. */
export interface IncidentLink {
  label: string;
  url: string;
}

/** What an alert source (Alertmanager, Datadog, Sentry) adds to an incident it opened. */
export interface IncidentContext {
  /** Where the incident came from when not a command: `alertmanager`, `datadog`, `sentry`. */
  source?: string;
  runbookUrl?: string;
  /** The alert's labels (or tags), shown on the card. */
  labels?: Record<string, string>;
  /** Where to see the alert at its source; http(s) only. */
  links?: IncidentLink[];
}

export interface Incident extends IncidentContext {
  id: string;
  title: string;
  service?: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  createdAt: string;
  createdBy: string;
  history: IncidentHistoryEntry[];
}

/*
 * Applies one transition atomically. ARGV: allowed current statuses (comma list), new status
 * (or '' to keep), history entry JSON. Returns {code, incident}: 1 applied, 0 refused, -1 missing.
 */
const TRANSITION = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1, ''} end
local incident = cjson.decode(raw)
local allowed = false
for status in string.gmatch(ARGV[1], '[^,]+') do
  if incident.status == status then allowed = true end
end
if not allowed then return {0, raw} end
if ARGV[2] ~= '' then incident.status = ARGV[2] end
table.insert(incident.history, cjson.decode(ARGV[3]))
local encoded = cjson.encode(incident)
redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
return {1, encoded}
`;

/*
 * Replaces fields of an incident that is still open (ARGV[1]: JSON object of fields). Returns
 * {code, incident}: 1 applied, 0 already resolved, -1 missing.
 */
const REFRESH = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1, ''} end
local incident = cjson.decode(raw)
if incident.status == 'resolved' then return {0, raw} end
for field, value in pairs(cjson.decode(ARGV[1])) do incident[field] = value end
local encoded = cjson.encode(incident)
redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
return {1, encoded}
`;

const RETENTION_SECONDS = 90 * 86_400;

/** One applied change of an incident, told to every listener of the store that made it. */
export interface IncidentChange {
  action: IncidentHistoryEntry['action'];
  incident: Incident;
}

/**
 * Told about every applied change (creation included), whoever made it: a command, a button, a
 * pager's webhook. Escalation timers listen here to stop once an incident is acknowledged. A
 * listener must not throw; one that does is skipped.
 */
export type IncidentListener = (change: IncidentChange) => void;

/** Incidents live in Redis so any process can act on them; ids are short and human (INC-42). */
export class IncidentStore {
  private readonly listeners: IncidentListener[] = [];

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Adds a listener for every change this store applies; returns a function that removes it. */
  onChange(listener: IncidentListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Creates once per idempotency key: a retried job gets the incident the first try made. */
  async create(
    input: { title: string; service?: string; severity: IncidentSeverity; by: string } & IncidentContext,
    idempotencyKey: string,
  ): Promise<{ incident: Incident; created: boolean }> {
    const idemKey = `${this.prefix}:idem:incident:${idempotencyKey}`;
    const existing = await this.redis.get(idemKey);
    if (existing) return { incident: await this.get(existing), created: false };
    const id = `INC-${await this.redis.incr(`${this.prefix}:incident:seq`)}`;
    const now = new Date().toISOString();
    const incident: Incident = {
      id,
      title: input.title,
      service: input.service,
      severity: input.severity,
      ...(input.source ? { source: input.source } : {}),
      ...(input.runbookUrl ? { runbookUrl: input.runbookUrl } : {}),
      ...(input.labels && Object.keys(input.labels).length > 0 ? { labels: input.labels } : {}),
      ...(input.links && input.links.length > 0 ? { links: input.links } : {}),
      status: 'triggered',
      createdAt: now,
      createdBy: input.by,
      history: [{ at: now, by: input.by, action: 'triggered' }],
    };
    const claimed = await this.redis.set(idemKey, id, 'EX', 86_400, 'NX');
    if (claimed !== 'OK')
      return { incident: await this.get((await this.redis.get(idemKey))!), created: false };
    await this.redis.set(this.key(id), JSON.stringify(incident), 'EX', RETENTION_SECONDS);
    this.tell({ action: 'triggered', incident });
    return { incident, created: true };
  }

  async get(id: string): Promise<Incident> {
    const raw = await this.redis.get(this.key(normaliseId(id)));
    if (!raw) throw new NotFoundError(`no incident ${id}`);
    return JSON.parse(raw) as Incident;
  }

  async find(id: string): Promise<Incident | undefined> {
    const raw = await this.redis.get(this.key(normaliseId(id)));
    return raw ? (JSON.parse(raw) as Incident) : undefined;
  }

  /** `via`: the pager that reported the change, for a change that came in through its webhook. */
  acknowledge(id: string, by: string, via?: string): Promise<Transition> {
    return this.transition(id, ['triggered'], 'acknowledged', { by, action: 'acknowledged', via });
  }

  resolve(id: string, by: string, via?: string): Promise<Transition> {
    return this.transition(id, ['triggered', 'acknowledged'], 'resolved', { by, action: 'resolved', via });
  }

  escalate(id: string, by: string, note?: string, via?: string): Promise<Transition> {
    return this.transition(id, ['triggered', 'acknowledged'], '', { by, action: 'escalated', note, via });
  }

  /**
   * Updates what an alert source says about an incident that is still open (a group that keeps
   * firing); a resolved incident is left as it was. No history entry: nothing happened to it.
   */
  async refresh(
    id: string,
    fields: Partial<Pick<Incident, 'title' | 'service' | 'severity'>> & IncidentContext,
  ): Promise<Transition> {
    const [code, raw] = (await this.redis.eval(
      REFRESH,
      1,
      this.key(normaliseId(id)),
      JSON.stringify(fields),
    )) as [number, string];
    if (code === -1) throw new NotFoundError(`no incident ${id}`);
    return { applied: code === 1, incident: JSON.parse(raw) as Incident };
  }

  private async transition(
    id: string,
    from: IncidentStatus[],
    to: IncidentStatus | '',
    entry: Omit<IncidentHistoryEntry, 'at'>,
  ): Promise<Transition> {
    const [code, raw] = (await this.redis.eval(
      TRANSITION,
      1,
      this.key(normaliseId(id)),
      from.join(','),
      to,
      JSON.stringify({ at: new Date().toISOString(), ...entry }),
    )) as [number, string];
    if (code === -1) throw new UserFacingError(`There is no incident ${id}. Check the id with /ops status.`);
    const transition = { applied: code === 1, incident: JSON.parse(raw) as Incident };
    if (transition.applied) this.tell({ action: entry.action, incident: transition.incident });
    return transition;
  }

  private tell(change: IncidentChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the change is applied and the others still hear of it.
      }
    }
  }

  private key(id: string): string {
    return `${this.prefix}:incident:${id}`;
  }
}

export interface Transition {
  /** False when the incident was already past this state (a double click, a second responder). */
  applied: boolean;
  incident: Incident;
}

/** Accepts `INC-42`, `inc-42` and `42`. */
export function normaliseId(id: string): string {
  const trimmed = id.trim();
  if (/^\d+$/.test(trimmed)) return `INC-${trimmed}`;
  return trimmed.toUpperCase();
}

export function lastEntry(
  incident: Incident,
  action: IncidentHistoryEntry['action'],
): IncidentHistoryEntry | undefined {
  return [...incident.history].reverse().find((h) => h.action === action);
}
