import type { Job } from 'bullmq';
import type { IncidentPaging, PagerStep } from '../../commands/services.js';
import type { QueueSettings } from '../config/schema.js';
import type { Connector } from '../connectors/connector.js';
import { incidentDedupKey } from '../connectors/paging/dedup.js';
import { isPager, type Pager, type PagerIncident } from '../connectors/paging/pager.js';
import { PagerSteps } from '../connectors/paging/pager-steps.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { TransientError, ValidationError } from '../core/errors.js';
import type { RedisClient } from '../core/redis-client.js';
import { jobOptions } from '../queue/job-options.js';
import type { QueueSet } from '../queue/queues.js';
import type { Deferrable } from '../queue/steer.js';
import { type Incident, type IncidentStore, normaliseId } from '../workflows/incidents.js';

/** One queue per pager, like deliveries: a slow PagerDuty never delays Opsgenie. */
export function pagerCallsQueueName(connectorKey: string): string {
  return `pager-calls.${connectorKey}`;
}

export interface PagerCallJobData extends Deferrable {
  incident: string;
  /** The pager connector's key (`pagerduty`, `opsgenie`). */
  connector: string;
  step: PagerStep;
  /** `trigger`, `acknowledge`, `resolve`, or `escalate.<n>` for an incident's n-th escalation. */
  stepKey: string;
  by?: string;
}

/** How long a call we made is expected to come back as the pager's own webhook. */
const ECHO_SECONDS = 3_600;
const LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** What a pager needs to open the incident's alert, from the incident as the store has it. */
export function pagerIncidentOf(incident: Incident): PagerIncident {
  const details: Record<string, string> = {
    incident_id: incident.id,
    opened_by: incident.createdBy,
    ...(incident.service ? { service: incident.service } : {}),
  };
  return {
    dedupKey: incidentDedupKey(incident.id),
    summary: incident.title,
    severity: incident.severity,
    source: incident.service ?? 'threadline',
    details,
    timestamp: incident.createdAt,
  };
}

/**
 * Calls every enabled pager for an incident's steps, each exactly once. A step is a job with a
 * deterministic id (pager, incident, step) on the pager's own queue, so asking twice adds one job;
 * the steps a pager has received are recorded in Redis, so a retried or re-added job never calls
 * it again. Calls for one incident at one pager are serialised by a short lock, and a step whose
 * predecessor has not reached the pager sends that first: an acknowledge never overtakes its
 * trigger, and an acknowledge after the resolve is dropped.
 */
export class IncidentPagerCalls implements IncidentPaging {
  private readonly steps: PagerSteps;

  constructor(
    private readonly deps: {
      registry: ConnectorRegistry;
      queues: QueueSet;
      redis: RedisClient;
      prefix: string;
      incidents: IncidentStore;
      settings: QueueSettings;
    },
  ) {
    this.steps = new PagerSteps(deps.redis, deps.prefix);
  }

  /** The enabled pagers, by connector key. */
  pagers(): Array<Connector & Pager> {
    return this.deps.registry.all().filter(isPager);
  }

  async request(
    incidentId: string,
    step: PagerStep,
    actor: { by?: string } = {},
    options: { except?: string } = {},
  ): Promise<string[]> {
    const targets = this.pagers().filter((p) => p.pager !== options.except);
    if (targets.length === 0) return [];
    const incident = await this.deps.incidents.get(incidentId);
    const stepKey = stepKeyOf(incident, step);
    await Promise.all(
      targets.map((pager) => {
        const data: PagerCallJobData = {
          incident: incident.id,
          connector: pager.key,
          step,
          stepKey,
          ...(actor.by ? { by: actor.by } : {}),
        };
        return this.deps.queues.named<PagerCallJobData>(pagerCallsQueueName(pager.key)).add('call', data, {
          ...jobOptions('pager-call', this.deps.settings, pager.retryCount),
          jobId: `${pager.key}.${incident.id}.${stepKey}`,
        });
      }),
    );
    return targets.map((p) => p.pager);
  }

  /** Records that a pager reported this step itself: it is never sent back to it. */
  async markReported(incidentId: string, pager: string, step: PagerStep): Promise<void> {
    const incident = await this.deps.incidents.get(incidentId);
    await this.steps.record(incident.id, pager, stepKeyOf(incident, step), 'reported', true);
  }

  /**
   * Whether a pager's webhook about this step answers a call we made (and it is the first such
   * answer): our own acknowledge comes back as PagerDuty's incident.acknowledged.
   */
  async isEcho(incidentId: string, pager: string, step: PagerStep): Promise<boolean> {
    return (await this.deps.redis.del(this.echoKey(normaliseId(incidentId), pager, step))) === 1;
  }

  /** The steps a pager has received for an incident, for tests and operators. */
  async sent(incidentId: string, pager: string): Promise<Record<string, string>> {
    return this.steps.all(normaliseId(incidentId), pager);
  }

  /** The pager-calls worker's job: brings one pager up to this step of the incident. */
  async process(job: Job<PagerCallJobData>): Promise<string> {
    const { incident: id, connector: key, step, stepKey, by } = job.data;
    const connector = this.deps.registry.get(key);
    if (!connector || !isPager(connector))
      throw new ValidationError(`${key} is not an enabled pager in this process's config`);
    const { pager } = connector;
    return this.locked(id, pager, async () => {
      const sent = await this.steps.all(id, pager);
      if (sent[stepKey]) return `${stepKey} already at ${pager} (${sent[stepKey]})`;
      const incident = await this.deps.incidents.get(id);
      const dedupKey = incidentDedupKey(id);
      const actor = by ? { by } : {};
      const call = async (done: string, echo: PagerStep, send: () => Promise<unknown>) => {
        // Set before the call: the pager's webhook about it may arrive before the call returns.
        await this.deps.redis.set(this.echoKey(id, pager, echo), '1', 'EX', ECHO_SECONDS);
        await send();
        await this.steps.record(id, pager, done, new Date().toISOString());
      };
      if (step !== 'trigger' && !sent.trigger)
        await call('trigger', 'trigger', () => connector.trigger(pagerIncidentOf(incident)));
      if (step === 'trigger') {
        await call('trigger', 'trigger', () => connector.trigger(pagerIncidentOf(incident)));
        return `triggered ${id} at ${pager}`;
      }
      if (sent.resolve) return `${id} is already resolved at ${pager}; ${stepKey} dropped`;
      if (step === 'acknowledge') await call(stepKey, step, () => connector.acknowledge(dedupKey, actor));
      else if (step === 'resolve') await call(stepKey, step, () => connector.resolve(dedupKey, actor));
      else
        await call(stepKey, step, () =>
          connector.escalate
            ? connector.escalate(pagerIncidentOf(incident), actor)
            : connector.note(dedupKey, `Escalated in Threadline: ${incident.title}`, actor),
        );
      return `${stepKey} ${id} at ${pager}`;
    });
  }

  private async locked<T>(id: string, pager: string, run: () => Promise<T>): Promise<T> {
    const key = `${this.deps.prefix}:incident:${id}:pager:${pager}:lock`;
    const token = `${process.pid}.${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    while ((await this.deps.redis.set(key, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline)
        throw new TransientError(`another call for ${id} at ${pager} is still running`);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    try {
      return await run();
    } finally {
      await this.deps.redis.eval(RELEASE, 1, key, token);
    }
  }

  private echoKey(id: string, pager: string, step: PagerStep): string {
    return `${this.deps.prefix}:incident:${id}:pager:${pager}:echo:${step}`;
  }
}

/** Escalations repeat, so each is its own step; the others happen once per incident. */
function stepKeyOf(incident: Incident, step: PagerStep): string {
  if (step !== 'escalate') return step;
  const count = incident.history.filter((h) => h.action === 'escalated').length;
  return `escalate.${Math.max(count, 1)}`;
}
