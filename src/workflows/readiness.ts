import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UserFacingError } from '../core/errors.js';
import { errorText, ReadinessRef, type StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';
import { rbacMember } from '../core/schema-primitives.js';
import { duration } from './duration.js';

/*
 * Readiness exceptions: a `readiness_exception` event opens one, an owner must acknowledge it
 * within the SLA, and it stays on its spec's thread as one live card until it is resolved.
 */

export const ReadinessConfig = z.strictObject({
  /** The rbac role whose members own exceptions (admins always do). */
  owner_role: z.enum(['responder', 'approver', 'admin']).default('responder'),
  /** Further owners, in the rbac.roles member syntax. */
  owners: z.array(rbacMember).default([]),
  /** How long an exception may wait for an owner's acknowledgement before it escalates. */
  sla: duration(100, 30 * 86_400_000).default(4 * 3_600_000),
  /** The escalations.policies entry whose steps run once the SLA has passed. */
  escalation_policy: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
});
export type ReadinessConfig = z.infer<typeof ReadinessConfig>;

export type ReadinessStatus = 'open' | 'acknowledged' | 'resolved';

export interface ReadinessHistoryEntry {
  at: string;
  by: string;
  action: 'opened' | 'acknowledged' | 'escalated' | 'resolved';
  note?: string;
}

export interface ReadinessException {
  id: string;
  specId: string;
  specTitle?: string;
  specUrl?: string;
  gate?: string;
  reason?: string;
  status: ReadinessStatus;
  openedAt: string;
  /** When the SLA runs out (ISO 8601). */
  dueAt: string;
  history: ReadinessHistoryEntry[];
}

export interface ReadinessTransition {
  /** False when the exception was already past this state (a double click, a second owner). */
  applied: boolean;
  exception: ReadinessException;
}

const RETENTION_SECONDS = 90 * 86_400;

/*
 * One transition, atomically. ARGV: allowed current statuses (comma list), new status ('' keeps
 * it), history entry JSON. Returns {code, exception}: 1 applied, 0 refused, -1 missing.
 */
const TRANSITION = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1, ''} end
local exception = cjson.decode(raw)
local allowed = false
for status in string.gmatch(ARGV[1], '[^,]+') do
  if exception.status == status then allowed = true end
end
if not allowed then return {0, raw} end
if ARGV[2] ~= '' then exception.status = ARGV[2] end
table.insert(exception.history, cjson.decode(ARGV[3]))
local encoded = cjson.encode(exception)
redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
return {1, encoded}
`;

// Short enough that the Resolve button's `?readiness.resolve:<id>` fits Discord's custom_id
// with room for its confirmation (src/platforms/discord/render.ts).
const SAFE_ID = /^[\w.@-]{1,56}$/;

/**
 * The exception an event opens is named after the event, so a sender's retry (same event id)
 * finds the exception it opened; longer ids are hashed to a stable short one.
 */
export function exceptionIdFor(eventId: string): string {
  return SAFE_ID.test(eventId)
    ? eventId
    : `rx-${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}

export class ReadinessExceptions {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /**
   * Opens the exception a `readiness_exception` event reports (undefined when it names no spec);
   * the same event again changes nothing. The spec's thread then shows this exception.
   */
  async open(
    event: StoredEvent,
    slaMs: number,
  ): Promise<{ exception: ReadinessException; created: boolean } | undefined> {
    const { payload } = event;
    if (payload.event !== 'readiness_exception' || !payload.spec) return undefined;
    const details = ReadinessRef.safeParse(payload.readiness ?? {});
    const gate = details.success ? details.data.gate : undefined;
    const reason = (details.success ? details.data.reason : undefined) ?? errorText(payload);
    const opened = Date.parse(payload.timestamp);
    const openedAt = Number.isNaN(opened) ? event.receivedAt : opened;
    const id = exceptionIdFor(event.id);
    const exception: ReadinessException = {
      id,
      specId: payload.spec.id,
      ...(payload.spec.title ? { specTitle: payload.spec.title } : {}),
      ...(payload.spec.url ? { specUrl: payload.spec.url } : {}),
      ...(gate ? { gate } : {}),
      ...(reason ? { reason } : {}),
      status: 'open',
      openedAt: new Date(openedAt).toISOString(),
      dueAt: new Date(openedAt + slaMs).toISOString(),
      history: [{ at: new Date(openedAt).toISOString(), by: 'threadline', action: 'opened' }],
    };
    const created =
      (await this.redis.set(this.key(id), JSON.stringify(exception), 'EX', RETENTION_SECONDS, 'NX')) === 'OK';
    if (created) await this.redis.set(this.specKey(exception.specId), id, 'EX', RETENTION_SECONDS);
    const stored = created ? exception : await this.find(id);
    return stored ? { exception: stored, created } : undefined;
  }

  async find(id: string): Promise<ReadinessException | undefined> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as ReadinessException) : undefined;
  }

  async get(id: string): Promise<ReadinessException> {
    const exception = await this.find(id);
    if (!exception) throw new UserFacingError(`There is no readiness exception ${id}.`);
    return exception;
  }

  /** The latest exception reported for a spec: its thread's card. */
  async current(specId: string): Promise<ReadinessException | undefined> {
    const id = await this.redis.get(this.specKey(specId));
    return id ? this.find(id) : undefined;
  }

  acknowledge(id: string, by: string): Promise<ReadinessTransition> {
    return this.transition(id, ['open'], 'acknowledged', { by, action: 'acknowledged' });
  }

  resolve(id: string, by: string, note?: string): Promise<ReadinessTransition> {
    return this.transition(id, ['open', 'acknowledged'], 'resolved', {
      by,
      action: 'resolved',
      ...(note ? { note } : {}),
    });
  }

  /** Records an escalation of an exception still waiting for its owner. */
  escalate(id: string, note: string): Promise<ReadinessTransition> {
    return this.transition(id, ['open'], '', { by: 'threadline', action: 'escalated', note });
  }

  private async transition(
    id: string,
    from: ReadinessStatus[],
    to: ReadinessStatus | '',
    entry: Omit<ReadinessHistoryEntry, 'at'>,
  ): Promise<ReadinessTransition> {
    const [code, raw] = (await this.redis.eval(
      TRANSITION,
      1,
      this.key(id),
      from.join(','),
      to,
      JSON.stringify({ at: new Date().toISOString(), ...entry }),
    )) as [number, string];
    if (code === -1) throw new UserFacingError(`There is no readiness exception ${id}.`);
    return { applied: code === 1, exception: JSON.parse(raw) as ReadinessException };
  }

  private key(id: string): string {
    return `${this.prefix}:readiness:${id}`;
  }

  private specKey(specId: string): string {
    return `${this.prefix}:readiness-spec:${specId}`;
  }
}

/** The latest history entry of one kind, if any. */
export function lastReadinessEntry(
  exception: ReadinessException,
  action: ReadinessHistoryEntry['action'],
): ReadinessHistoryEntry | undefined {
  return [...exception.history].reverse().find((h) => h.action === action);
}
