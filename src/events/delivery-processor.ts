import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { QueueSettings } from '../config/schema.js';
import type { Connector } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Metrics } from '../observability/metrics.js';
import { jobOptions } from '../queue/job-options.js';
import type { DeliveryJobData, DeliveryResult, DigestJobData } from '../queue/jobs.js';
import type { QueueSet } from '../queue/queues.js';
import type { NotificationRateLimiter } from './rate-limit.js';

export interface ProcessorDependencies {
  registry: ConnectorRegistry;
  queues: QueueSet;
  rateLimiter: NotificationRateLimiter;
  metrics: Metrics;
  settings: QueueSettings;
}

/**
 * Runs one delivery attempt of a queued job. Its errors are steered by the worker
 * (queue/steer.ts): a 429 waits without spending an attempt, permanent failures become dead
 * letters, the rest is retried.
 */
export async function processDelivery(
  job: Job<DeliveryJobData>,
  deps: ProcessorDependencies,
): Promise<DeliveryResult> {
  // The accepting process's own attempt already made this a dead letter; its job only files it.
  if (job.data.deadLetter !== undefined && job.attemptsMade === 0)
    throw new UnrecoverableError(job.data.deadLetter);
  return deliverOnce(job.data, job.attemptsMade + (job.data.priorAttempts ?? 0), deps);
}

/**
 * One attempt at a delivery, wherever it runs (a worker's job, or the accepting process's first
 * attempt): the notification rate limit on the first try, then the connector.
 */
export async function deliverOnce(
  data: DeliveryJobData,
  attemptsMade: number,
  deps: ProcessorDependencies,
): Promise<DeliveryResult> {
  const { event, connector: key, deliveryId } = data;
  const connector = deps.registry.get(key);
  if (!connector) {
    throw new UnrecoverableError(`integration "${key}" is not enabled in the current configuration`);
  }

  if (connector.humanFacing && deps.rateLimiter.active && attemptsMade === 0 && data.deferrals === 0) {
    const admission = await deps.rateLimiter.admitEvent(key, event);
    if (!admission.admitted) {
      await scheduleDigest(deps, connector, admission.retryAt);
      deps.metrics.held.inc({ integration: key });
      deps.metrics.deliveries.inc({ integration: key, outcome: 'held' });
      return {
        status: 'held',
        summary: `held by notifications.rate_limit; digest due ${new Date(admission.retryAt).toISOString()}`,
      };
    }
  }

  const receipt = await connector.deliver(event, { deliveryId, attempt: attemptsMade + 1 });
  deps.metrics.deliveries.inc({ integration: key, outcome: 'delivered' });
  deps.metrics.latency.observe({ integration: key }, (Date.now() - event.receivedAt) / 1000);
  return { status: 'delivered', summary: receipt.summary, reference: receipt.reference };
}

/**
 * At most one pending digest per destination and due time. A digest is retried like that
 * destination's deliveries.
 */
export async function scheduleDigest(
  deps: Pick<ProcessorDependencies, 'queues' | 'settings'>,
  connector: Pick<Connector, 'key' | 'retryCount'>,
  dueAt: number,
): Promise<void> {
  const due = Math.ceil(dueAt / 1000) * 1000;
  const data: DigestJobData = { connector: connector.key, deferrals: 0 };
  await deps.queues.digests.add('digest', data, {
    ...jobOptions('digest', deps.settings, connector.retryCount),
    jobId: `digest.${connector.key}.${due}`,
    delay: Math.max(0, due - Date.now()),
  });
}

/** Sends everything held for one destination as a single message once the window allows it. */
export async function processDigest(
  job: Job<DigestJobData>,
  token: string | undefined,
  deps: ProcessorDependencies,
): Promise<DeliveryResult> {
  const key = job.data.connector;
  const connector = deps.registry.get(key);
  if (!connector?.deliverDigest) throw new UnrecoverableError(`integration "${key}" cannot send digests`);
  const batchId = String(job.id);
  const events = await deps.rateLimiter.takeHeld(key, batchId);
  if (events.length === 0) return { status: 'delivered', summary: 'nothing held' };

  const admission = await deps.rateLimiter.admitDigest(key);
  if (!admission.admitted) {
    await job.moveToDelayed(admission.retryAt, token);
    throw new DelayedError();
  }
  const receipt = await connector.deliverDigest(events, {
    deliveryId: `digest.${key}.${batchId}`,
    attempt: job.attemptsMade + 1,
  });
  await deps.rateLimiter.finishBatch(key, batchId);
  deps.metrics.digests.inc({ integration: key });
  deps.metrics.deliveries.inc({ integration: key, outcome: 'delivered' });
  return {
    status: 'delivered',
    summary: `digest of ${events.length} held notification(s): ${receipt.summary}`,
  };
}
