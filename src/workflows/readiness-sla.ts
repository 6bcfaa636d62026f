import type { Card } from '../core/card.js';
import type { EventPayload, StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';
import { describeDuration } from './duration.js';
import {
  type EscalationPolicy,
  type EscalationTarget,
  type EscalationTimer,
  type EscalationTimers,
  type FireOutcome,
  nextStep,
} from './escalations.js';
import type { ReadinessConfig, ReadinessException, ReadinessExceptions } from './readiness.js';
import { exceptionIdOf, readinessEvent } from './readiness-events.js';

/** What an SLA breach does outside Redis; given by the composition root. */
export interface ReadinessEffects {
  /** Every copy of the exception's card shows the escalation, and the reply goes under each. */
  announce(exception: ReadinessException, reply: Card): Promise<void>;
  /** Sends an event through the pipeline (POST /hooks/events' path). */
  emit(payload: EventPayload): Promise<unknown>;
}

const DONE_TTL_SECONDS = 90 * 86_400;
const EFFECTS = ['history', 'event', 'announce'] as const;

/**
 * The SLA of readiness exceptions on the escalation timer machinery: opening one adds a delayed
 * job due when the SLA runs out, with an id made of the exception, round and step, so a retried
 * event, a restart or a second process never adds it twice. When it fires and nobody has
 * acknowledged, the configured policy's steps run as they do for an incident, the first at once.
 */
export class ReadinessSla {
  constructor(
    private readonly config: ReadinessConfig,
    private readonly policies: Readonly<Record<string, EscalationPolicy>>,
    private readonly deps: {
      redis: RedisClient;
      prefix: string;
      exceptions: ReadinessExceptions;
      timers: EscalationTimers;
      effects: ReadinessEffects;
      /** Who a step's `notify` names reach now (on-call schedules); by default the targets as written. */
      targets?: (notify: readonly string[], at: Date) => Promise<EscalationTarget[]>;
    },
  ) {}

  static jobId(exceptionId: string, round: number, step: number): string {
    return `rdy.${exceptionId}.r${round}s${step}`;
  }

  /** readiness_exception opens an exception and its SLA timer; its acknowledgement or resolution stops it. */
  async observe(event: StoredEvent): Promise<void> {
    const { payload } = event;
    if (payload.event === 'readiness_exception') {
      const opened = await this.deps.exceptions.open(event, this.config.sla);
      if (opened?.exception.status === 'open') await this.start(opened.exception);
    } else if (
      payload.event === 'readiness_exception_acknowledged' ||
      payload.event === 'readiness_exception_resolved'
    ) {
      const id = exceptionIdOf(payload);
      if (!id) return;
      // Raised by a button, the change is already applied; sent from outside, it is applied here.
      if (await this.deps.exceptions.find(id)) {
        const acknowledged = payload.event === 'readiness_exception_acknowledged';
        const by = actorOf(payload, acknowledged ? 'acknowledged_by' : 'resolved_by');
        if (acknowledged) await this.deps.exceptions.acknowledge(id, by);
        else await this.deps.exceptions.resolve(id, by);
      }
      await this.stop(id);
    }
  }

  private async start(exception: ReadinessException): Promise<void> {
    await this.deps.timers.schedule(ReadinessSla.jobId(exception.id, 0, 0), {
      // The timer shape is the escalation timers'; its subject here is the exception.
      incidentId: exception.id,
      policy: this.config.escalation_policy ?? '',
      round: 0,
      step: 0,
      dueAt: Date.parse(exception.dueAt),
    });
  }

  /** Removes every timer the exception could have that has not started. */
  async stop(exceptionId: string): Promise<number> {
    const policy = this.policy();
    const ids: string[] = [];
    for (let round = 0; round <= (policy?.repeat ?? 0); round++)
      for (let step = 0; step < (policy?.steps.length ?? 1); step++)
        ids.push(ReadinessSla.jobId(exceptionId, round, step));
    return this.deps.timers.cancel(ids);
  }

  /**
   * A timer is due. The next step's timer is added first, so a crash never ends the chain; each
   * effect is marked once done, so a retried job repeats only what had not happened.
   */
  async fire(timer: EscalationTimer): Promise<FireOutcome> {
    const exception = await this.deps.exceptions.find(timer.incidentId);
    if (!exception) return 'unknown';
    if (exception.status !== 'open') return 'stopped';
    const policy = timer.policy ? this.policies[timer.policy] : undefined;
    if (timer.policy && !policy) return 'unknown';

    const next = policy ? nextStep(policy, timer) : undefined;
    if (policy && next)
      await this.deps.timers.schedule(ReadinessSla.jobId(exception.id, next.round, next.step), {
        incidentId: exception.id,
        policy: timer.policy,
        round: next.round,
        step: next.step,
        dueAt: timer.dueAt + policy.steps[next.step]!.wait,
      });

    const notify = policy?.steps[timer.step]?.notify ?? [];
    const targets = this.deps.targets
      ? await this.deps.targets(notify, new Date(timer.dueAt))
      : notify.map((target) => ({ target, person: target }));
    const names = targets.map((t) => (t.person === t.target ? t.person : `${t.person} (${t.target})`));
    const to = names.length > 0 ? names.join(', ') : this.ownersLine();
    const waited = describeDuration(Math.max(0, timer.dueAt - Date.parse(exception.openedAt)));
    const title = `⏫ ${exception.id} (${exception.specId}) escalated to ${to}: not acknowledged after ${waited}`;
    const where = policy
      ? `step ${timer.step + 1} of ${policy.steps.length}${
          policy.repeat > 0 ? `, round ${timer.round + 1} of ${policy.repeat + 1}` : ''
        }, policy ${timer.policy}`
      : `readiness SLA ${describeDuration(this.config.sla)}`;
    const stepTag = `r${timer.round}s${timer.step}`;
    const done = `${this.deps.prefix}:readiness-sla:${exception.id}:done:${stepTag}`;

    const once = async (effect: (typeof EFFECTS)[number], run: () => Promise<unknown>) => {
      if ((await this.deps.redis.hexists(done, effect)) === 1) return;
      await run();
      await this.deps.redis.multi().hset(done, effect, '1').expire(done, DONE_TTL_SECONDS).exec();
    };
    let current = exception;
    await once('history', async () => {
      current = (await this.deps.exceptions.escalate(exception.id, `${to} (${where})`)).exception;
    });
    await once('event', () =>
      this.deps.effects.emit(
        readinessEvent(current, 'readiness_exception_escalated', `escalated.${stepTag}`, {
          ...(policy ? { policy: timer.policy } : {}),
          round: timer.round + 1,
          step: timer.step + 1,
          targets: targets.length > 0 ? targets.map((t) => t.person) : [this.ownersLine()],
        }),
      ),
    );
    await once('announce', async () =>
      this.deps.effects.announce((await this.deps.exceptions.find(exception.id)) ?? current, {
        title,
        text: where,
        severity: 'warning',
        fields: [],
        links: [],
        actions: [],
      }),
    );
    return 'escalated';
  }

  /** Who owns exceptions, for a breach with no policy step to name anyone. */
  ownersLine(): string {
    const role = `the ${this.config.owner_role} role`;
    return this.config.owners.length > 0 ? `${this.config.owners.join(', ')} and ${role}` : role;
  }

  private policy(): EscalationPolicy | undefined {
    const name = this.config.escalation_policy;
    return name ? this.policies[name] : undefined;
  }
}

/** Who an event sent from outside says made the change; `webhook` when it does not say. */
function actorOf(payload: EventPayload, field: 'acknowledged_by' | 'resolved_by'): string {
  const value = payload.readiness?.[field];
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 200) : 'webhook';
}
