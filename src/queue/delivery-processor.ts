import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Connector } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { errorMessage, isPermanent, RateLimitedError } from '../core/errors.js';
import type { NotificationRateLimiter } from '../events/rate-limit.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { BACKOFF_TYPE } from './backoff.js';
import type { DeliveryJobData, DeliveryResult, DigestJobData } from './jobs.js';
import type { QueueSet } from './queues.js';

export interface ProcessorDependencies {
  registry: ConnectorRegistry;
  queues: QueueSet;
  rateLimiter: NotificationRateLimiter;
  metrics: Metrics;
  logger: Logger;
  maxRateLimitDeferrals: number;
  /** Error text is stored in Redis (dead letters) and shown to operators: secrets go first. */
  redact: (text: string) => string;
}

/**
 * Runs one delivery attempt and steers BullMQ with the outcome: a provider's 429 puts the job
 * back for Retry-After without spending an attempt; permanent failures (auth, not found, bad
 * request, refused destination) become dead letters at once; anything else is retried.
 */
export async function processDelivery(
  job: Job<DeliveryJobData>,
  token: string | undefined,
  deps: ProcessorDependencies,
): Promise<DeliveryResult> {
  const { event, connector: key, deliveryId } = job.data;
  const connector = deps.registry.get(key);
  if (!connector) {
    throw new UnrecoverableError(`integration "${key}" is not enabled in the current configuration`);
  }

  if (
    connector.humanFacing &&
    deps.rateLimiter.active &&
    job.attemptsMade === 0 &&
    job.data.deferrals === 0
  ) {
    const admission = await deps.rateLimiter.admitEvent(key, event);
    if (!admission.admitted) {
      await scheduleDigest(deps.queues, key, admission.retryAt);
      deps.metrics.held.inc({ integration: key });
      deps.metrics.deliveries.inc({ integration: key, outcome: 'held' });
      return {
        status: 'held',
        summary: `held by notifications.rate_limit; digest due ${new Date(admission.retryAt).toISOString()}`,
      };
    }
  }

  try {
    const receipt = await connector.deliver(event, { deliveryId, attempt: job.attemptsMade + 1 });
    deps.metrics.deliveries.inc({ integration: key, outcome: 'delivered' });
    deps.metrics.latency.observe({ integration: key }, (Date.now() - event.receivedAt) / 1000);
    return { status: 'delivered', summary: receipt.summary, reference: receipt.reference };
  } catch (error) {
    throw await steer(error, job, token, connector, deps);
  }
}

async function steer(
  error: unknown,
  job: Job<DeliveryJobData | DigestJobData>,
  token: string | undefined,
  connector: Connector,
  deps: ProcessorDependencies,
): Promise<Error> {
  const key = connector.key;
  if (error instanceof RateLimitedError) {
    const deferrals = ('deferrals' in job.data ? job.data.deferrals : 0) + 1;
    if (deferrals > deps.maxRateLimitDeferrals) {
      deps.metrics.deliveries.inc({ integration: key, outcome: 'dead_letter' });
      return new UnrecoverableError(
        `${deps.redact(error.message)}; gave up after ${deferrals - 1} rate-limit deferrals`,
      );
    }
    if ('deferrals' in job.data) await job.updateData({ ...job.data, deferrals });
    await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
    deps.metrics.deliveries.inc({ integration: key, outcome: 'deferred' });
    deps.logger.warn(
      { integration: key, job: job.id, retryAfterMs: error.retryAfterMs },
      'provider rate limit: delivery deferred',
    );
    return new DelayedError();
  }
  const message = deps.redact(errorMessage(error));
  if (isPermanent(error)) {
    deps.metrics.deliveries.inc({ integration: key, outcome: 'dead_letter' });
    deps.logger.warn(
      { integration: key, job: job.id, err: message },
      'delivery failed permanently: dead-lettered',
    );
    return new UnrecoverableError(message);
  }
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  deps.metrics.deliveries.inc({ integration: key, outcome: final ? 'dead_letter' : 'retry' });
  if (!final) deps.metrics.retries.inc({ integration: key });
  deps.logger.warn(
    { integration: key, job: job.id, attempt: job.attemptsMade + 1, err: message },
    final ? 'delivery failed: dead-lettered' : 'delivery failed: will retry',
  );
  const retryable = new Error(message);
  retryable.name = error instanceof Error ? error.name : 'Error';
  return retryable;
}

/** At most one pending digest per destination and due time. */
export async function scheduleDigest(queues: QueueSet, key: string, dueAt: number): Promise<void> {
  const due = Math.ceil(dueAt / 1000) * 1000;
  await queues.digests.add(
    'digest',
    { connector: key },
    {
      jobId: `digest.${key}.${due}`,
      delay: Math.max(0, due - Date.now()),
      attempts: 10,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 30 * 86_400 },
    },
  );
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
  try {
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
  } catch (error) {
    throw await steer(error, job, token, connector, deps);
  }
}
