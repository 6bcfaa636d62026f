import { z } from 'zod';
import type { Card, CardPerson } from '../core/card.js';
import type { EventPayload, StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';
import { describeDuration, duration } from './duration.js';
import type { IncidentStore } from './incidents.js';
import type { OnCallSchedules } from './oncall.js';
import type { People } from './people.js';

/*
 * Escalation policies: an incident nobody acknowledges moves through its policy's steps, each
 * after its wait, and the chain runs again `repeat` times. A step's timer is a delayed job with
 * an id made of the incident, the round and the step, so a restart, a retry or a second worker
 * never adds it twice, and an acknowledgement or resolution removes exactly those jobs.
 */

const policyName = z.string().regex(/^[\w.-]{1,64}$/, 'policy names use letters, digits, _ . -');

/** `oncall:<schedule>` (whoever is on call then), or a person: `slack:U123`, `alice@example.com`, `Alice`. */
const Target = z
  .string()
  .trim()
  .regex(/^(oncall:[\w.-]{1,64}|[\w.@+:' -]{1,200})$/, 'must be oncall:<schedule> or a person');

const Step = z
  .strictObject({
    /** How long after the previous step (the incident's opening, for the first) this step fires. */
    wait: duration(0, 30 * 86_400_000),
    notify: z.array(Target).default([]),
    /** Calls every enabled pager (PagerDuty, Opsgenie) for the incident. */
    page: z.boolean().default(false),
  })
  .refine((s) => s.notify.length > 0 || s.page, 'needs someone to notify or page: true');

const Policy = z.strictObject({
  steps: z.array(Step).min(1).max(20),
  /** How many more times the whole chain runs after its last step. */
  repeat: z.number().int().min(0).max(20).default(0),
});

export const EscalationsConfig = z
  .strictObject({
    /** The policy of an incident whose service has none of its own; without it such incidents never escalate. */
    default_policy: policyName.optional(),
    /** Service name → policy name. */
    services: z.record(z.string().min(1).max(100), policyName).default({}),
    policies: z.record(policyName, Policy).default({}),
  })
  .superRefine((config, ctx) => {
    const known = Object.keys(config.policies);
    const check = (name: string | undefined, path: PropertyKey[]) => {
      if (name !== undefined && !known.includes(name))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `names no policy (known: ${known.join(', ') || 'none'})`,
        });
    };
    check(config.default_policy, ['default_policy']);
    for (const [service, name] of Object.entries(config.services)) check(name, ['services', service]);
  });
export type EscalationsConfig = z.infer<typeof EscalationsConfig>;
export type EscalationPolicy = z.infer<typeof Policy>;

/** Every `oncall:<schedule>` a policy names that is not among the schedules, with its config path. */
export function unknownSchedules(
  config: EscalationsConfig,
  schedules: readonly string[],
): Array<{ path: (string | number)[]; schedule: string }> {
  const out: Array<{ path: (string | number)[]; schedule: string }> = [];
  for (const [name, policy] of Object.entries(config.policies))
    policy.steps.forEach((step, i) => {
      step.notify.forEach((target, j) => {
        const schedule = scheduleOf(target);
        if (schedule !== undefined && !schedules.includes(schedule))
          out.push({ path: ['policies', name, 'steps', i, 'notify', j], schedule });
      });
    });
  return out;
}

function scheduleOf(target: string): string | undefined {
  return target.startsWith('oncall:') ? target.slice('oncall:'.length) : undefined;
}

/** One step's timer, as stored in the delayed job. */
export interface EscalationTimer {
  incidentId: string;
  policy: string;
  round: number;
  step: number;
  /** When it is due (ms since the epoch); the delay is computed from it, not from "now". */
  dueAt: number;
}

/** Where timers live: BullMQ delayed jobs (src/events/escalation-queue.ts). */
export interface EscalationTimers {
  schedule(jobId: string, timer: EscalationTimer): Promise<void>;
  cancel(jobIds: readonly string[]): Promise<number>;
}

export interface EscalationTarget {
  /** As configured: `oncall:primary`, `slack:U123`. */
  target: string;
  /** Who that is now: the on-call person, or the target itself. */
  person: string;
  /** Their ids for a real mention, when `people:` (or the target itself) gives any. */
  mention?: CardPerson;
}

export interface EscalatedIncident {
  id: string;
  title: string;
  service?: string;
  severity?: string;
}

/** What an escalation does outside Redis; given by the composition root. */
export interface EscalationEffects {
  /** The "⏫ escalated to …" reply in the incident's thread, in every conversation that shows it. */
  announce(subject: string, card: Card): Promise<void>;
  /** Pages through every enabled pager. */
  page(incident: EscalatedIncident, text: string): Promise<void>;
  /** Sends an event through the pipeline (POST /hooks/events' path). */
  emit(payload: EventPayload): Promise<unknown>;
}

export type FireOutcome = 'escalated' | 'stopped' | 'unknown';

const STATE_TTL_SECONDS = 90 * 86_400;
const EFFECTS = ['history', 'event', 'announce', 'page'] as const;

export class Escalations {
  constructor(
    private readonly config: EscalationsConfig,
    private readonly deps: {
      redis: RedisClient;
      prefix: string;
      timers: EscalationTimers;
      effects: EscalationEffects;
      oncall?: OnCallSchedules;
      /** Who the targets are on each platform; without it everyone is named as plain text. */
      people?: People;
      incidents?: IncidentStore;
      clock?: () => number;
    },
  ) {}

  /** The policy for an incident of this service, if any. */
  policyFor(service: string | undefined): string | undefined {
    return (service !== undefined ? this.config.services[service] : undefined) ?? this.config.default_policy;
  }

  /** The timer job id of one step of one round. */
  static jobId(incidentId: string, round: number, step: number): string {
    return `esc.${incidentId}.r${round}s${step}`;
  }

  /**
   * The incident_* events move escalations, whichever path raised them (a command, an inbound
   * alert, a pager's webhook): triggered starts the policy, acknowledged or resolved stops it.
   */
  async observe(event: StoredEvent): Promise<void> {
    const { payload } = event;
    const incident = incidentRef(payload.incident);
    if (!incident) return;
    if (payload.event === 'incident_triggered') {
      const opened = Date.parse(payload.timestamp);
      await this.open(incident, Number.isNaN(opened) ? event.receivedAt : opened);
    } else if (payload.event === 'incident_acknowledged' || payload.event === 'incident_resolved') {
      await this.stop(incident.id, payload.event === 'incident_acknowledged' ? 'acknowledged' : 'resolved');
    }
  }

  /** Starts the incident's policy; a second call for the same incident changes nothing. */
  async open(incident: EscalatedIncident, openedAt: number): Promise<string | undefined> {
    const policyName = this.policyFor(incident.service);
    if (!policyName) return undefined;
    const policy = this.config.policies[policyName]!;
    const key = this.stateKey(incident.id);
    const created = await this.deps.redis.hsetnx(key, 'policy', policyName);
    if (created) {
      await this.deps.redis
        .multi()
        .hset(key, 'incident', JSON.stringify(incident), 'openedAt', String(openedAt))
        .expire(key, STATE_TTL_SECONDS)
        .exec();
    }
    const stored = (await this.deps.redis.hget(key, 'policy')) ?? policyName;
    if ((await this.deps.redis.hexists(key, 'stopped')) === 1) return stored;
    const first = this.config.policies[stored] ?? policy;
    await this.deps.timers.schedule(Escalations.jobId(incident.id, 0, 0), {
      incidentId: incident.id,
      policy: stored,
      round: 0,
      step: 0,
      dueAt: openedAt + first.steps[0]!.wait,
    });
    return stored;
  }

  /** Stops an incident's escalation and removes every timer it could have. */
  async stop(incidentId: string, reason: string): Promise<number> {
    const key = this.stateKey(incidentId);
    // Recorded even before the incident is known: events are routed concurrently, and an
    // acknowledgement routed ahead of its trigger must still keep the policy from starting.
    const [[, policyName]] = (await this.deps.redis
      .multi()
      .hget(key, 'policy')
      .hset(key, 'stopped', reason)
      .expire(key, STATE_TTL_SECONDS)
      .exec()) as [[Error | null, string | null], ...unknown[]];
    if (!policyName) return 0;
    const policy = this.config.policies[policyName];
    if (!policy) return 0;
    const ids: string[] = [];
    for (let round = 0; round <= policy.repeat; round++)
      for (let step = 0; step < policy.steps.length; step++)
        ids.push(Escalations.jobId(incidentId, round, step));
    return this.deps.timers.cancel(ids);
  }

  /**
   * A timer is due. The next timer is added before anything else, so a crash here never ends the
   * chain; each effect is marked done once it has happened, so a retried job repeats only what
   * had not happened yet.
   */
  async fire(timer: EscalationTimer): Promise<FireOutcome> {
    const key = this.stateKey(timer.incidentId);
    const state = await this.deps.redis.hgetall(key);
    if (!state.policy || !state.incident) return 'unknown';
    if (state.stopped) return 'stopped';
    const stored = await this.deps.incidents?.find(timer.incidentId);
    if (stored && stored.status !== 'triggered') {
      await this.stop(timer.incidentId, stored.status);
      return 'stopped';
    }
    const policy = this.config.policies[timer.policy];
    if (!policy) return 'unknown';
    const incident = JSON.parse(state.incident) as EscalatedIncident;
    const step = policy.steps[timer.step]!;

    const next = nextStep(policy, timer);
    if (next) {
      await this.deps.timers.schedule(Escalations.jobId(timer.incidentId, next.round, next.step), {
        incidentId: timer.incidentId,
        policy: timer.policy,
        round: next.round,
        step: next.step,
        dueAt: timer.dueAt + policy.steps[next.step]!.wait,
      });
    }

    const targets = await this.targets(step.notify, new Date(timer.dueAt));
    const names = targets.map((t) => (t.person === t.target ? t.person : `${t.person} (${t.target})`));
    const openedAt = Number(state.openedAt);
    const waited = describeDuration(Math.max(0, timer.dueAt - openedAt));
    const to = names.length > 0 ? names.join(', ') : 'the pager';
    const text = `⏫ ${incident.id} escalated to ${to}: not acknowledged after ${waited}`;
    const where = `step ${timer.step + 1} of ${policy.steps.length}${
      policy.repeat > 0 ? `, round ${timer.round + 1} of ${policy.repeat + 1}` : ''
    }, policy ${timer.policy}`;
    const stepTag = `r${timer.round}s${timer.step}`;
    const done = `${key}:done:${stepTag}`;

    const once = async (effect: (typeof EFFECTS)[number], run: () => Promise<unknown>) => {
      if ((await this.deps.redis.hexists(done, effect)) === 1) return;
      await run();
      await this.deps.redis.multi().hset(done, effect, '1').expire(done, STATE_TTL_SECONDS).exec();
    };
    await once('history', async () => {
      if (stored) await this.deps.incidents!.escalate(timer.incidentId, 'threadline', `${to} (${where})`);
    });
    await once('event', () =>
      this.deps.effects.emit({
        id: `${incident.id}.escalated.${stepTag}`,
        event: 'incident_escalated',
        timestamp: new Date(this.now()).toISOString(),
        incident: { ...incident, status: 'triggered' },
        escalation: {
          policy: timer.policy,
          round: timer.round + 1,
          step: timer.step + 1,
          targets: targets.map((t) => t.person),
          paged: step.page,
        },
        spec: { id: incident.id, title: incident.title, status: 'triggered', severity: incident.severity },
      }),
    );
    await once('announce', () =>
      this.deps.effects.announce(incident.id, {
        title: text,
        text: where,
        severity: 'warning',
        fields: [],
        links: [],
        actions: [],
        people: targets.flatMap((t) => (t.mention ? [t.mention] : [])),
      }),
    );
    if (step.page) await once('page', () => this.deps.effects.page(incident, `${text} (${where})`));
    return 'escalated';
  }

  /** The people a step reaches at `at`; an on-call schedule nobody covers is named as such. */
  async targets(notify: readonly string[], at: Date): Promise<EscalationTarget[]> {
    return Promise.all(
      notify.map(async (target) => {
        const schedule = scheduleOf(target);
        if (schedule === undefined || !this.deps.oncall) return this.reached(target, target);
        const { now } = await this.deps.oncall.who(schedule, at);
        // An on-call target resolves to its person first, then to their mention.
        return now ? this.reached(target, now.person) : { target, person: `nobody on call for ${schedule}` };
      }),
    );
  }

  private reached(target: string, person: string): EscalationTarget {
    const mention = this.deps.people?.mention(person);
    return mention ? { target, person, mention } : { target, person };
  }

  /** Pending SLA deadlines, for the published calendar: the incident and when it escalates next. */
  async stateOf(incidentId: string): Promise<{ incident: EscalatedIncident; policy: string } | undefined> {
    const state = await this.deps.redis.hgetall(this.stateKey(incidentId));
    if (!state.policy || !state.incident || state.stopped) return undefined;
    return { incident: JSON.parse(state.incident) as EscalatedIncident, policy: state.policy };
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  private stateKey(incidentId: string): string {
    return `${this.deps.prefix}:escalation:${incidentId}`;
  }
}

/** The step after this one: the next in the chain, else the first of the next round, else none. */
export function nextStep(
  policy: EscalationPolicy,
  at: { round: number; step: number },
): { round: number; step: number } | undefined {
  if (at.step + 1 < policy.steps.length) return { round: at.round, step: at.step + 1 };
  if (at.round < policy.repeat) return { round: at.round + 1, step: 0 };
  return undefined;
}

const IncidentRef = z.looseObject({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w.@-]+$/),
  title: z.string().max(1000).optional(),
  service: z.string().max(200).optional(),
  severity: z.string().max(50).optional(),
});

function incidentRef(value: unknown): EscalatedIncident | undefined {
  const parsed = IncidentRef.safeParse(value);
  if (!parsed.success) return undefined;
  const { id, title, service, severity } = parsed.data;
  return { id, title: title ?? id, service, severity };
}
