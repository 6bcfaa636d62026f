import { readinessCard } from '../cards/readiness.js';
import type { ChatRuntime } from './chat/runtime.js';
import type { ThreadlineConfig } from './config/schema.js';
import type { RedisClient } from './core/redis-client.js';
import { EscalationQueue } from './events/escalation-queue.js';
import type { EventIngestor } from './events/ingest.js';
import { READINESS_TIMERS_QUEUE } from './queue/jobs.js';
import type { QueueSet } from './queue/queues.js';
import type { WorkerContext } from './queue/worker-factory.js';
import type { Escalations } from './workflows/escalations.js';
import { ReadinessExceptions } from './workflows/readiness.js';
import { ReadinessSla } from './workflows/readiness-sla.js';

/*
 * The readiness parts of a process, built the same way for `serve` and the console: the SLA
 * timers on their own queue, and what a breach does (the card and a reply in the spec's thread
 * everywhere it is shown, a readiness_exception_escalated event).
 */

export interface ReadinessParts {
  sla: ReadinessSla;
  timers: EscalationQueue;
  start(context: WorkerContext): void;
}

/** Undefined without a `readiness:` block: then exceptions are only notified, never tracked. */
export function buildReadiness(deps: {
  config: ThreadlineConfig;
  redis: RedisClient;
  queues: QueueSet;
  ingestor: EventIngestor;
  chat: () => ChatRuntime | undefined;
  /** Resolves `oncall:<schedule>` targets of the policy's steps, when policies exist. */
  escalations?: Escalations;
}): ReadinessParts | undefined {
  const { config, redis, queues, ingestor, escalations } = deps;
  if (!config.readiness) return undefined;
  const timers = new EscalationQueue(queues, config.queue, Date.now, READINESS_TIMERS_QUEUE);
  const exceptions = new ReadinessExceptions(redis, queues.prefix);
  const sla = new ReadinessSla(config.readiness, config.escalations.policies, {
    redis,
    prefix: queues.prefix,
    exceptions,
    timers,
    effects: {
      async announce(exception, reply) {
        const chat = deps.chat();
        if (!chat) return;
        // The spec's card shows its latest exception; an older one still escalates, in the thread.
        const current = await exceptions.current(exception.specId);
        if (current?.id === exception.id)
          await chat.threads.updateEverywhere(exception.specId, readinessCard(exception));
        await chat.threads.replyEverywhere(exception.specId, reply);
      },
      emit: (payload) => ingestor.accept(payload),
    },
    ...(escalations ? { targets: (notify, at) => escalations.targets(notify, at) } : {}),
  });
  return { sla, timers, start: (context) => timers.start(context, sla, 'exception') };
}
