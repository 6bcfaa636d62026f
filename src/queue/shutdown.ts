import type { Worker } from 'bullmq';
import type { RedisClient } from '../core/redis-client.js';
import type { Logger } from '../observability/logger.js';

/** After the deadline, how long the forced close may take before it is left behind. */
const FORCED_CLOSE_GRACE_MS = 1_000;

/**
 * Stops taking jobs and waits for the running ones, but never longer than `timeoutMs`: then it
 * closes the workers without waiting for their jobs (another worker picks those up once their
 * locks expire, as after a crash) and returns within a second more, even when Redis is gone and
 * a close can never finish. Resolves `true` when every worker closed gracefully.
 */
export async function closeWorkers(
  workers: readonly Worker[],
  timeoutMs: number,
  logger: Logger,
  connection?: RedisClient,
): Promise<boolean> {
  if (workers.length === 0) return true;
  const graceful = Promise.allSettled(
    workers.map(async (worker) => {
      // BullMQ throws an unhandled "Connection is closed" when a worker that is still connecting is closed.
      if (connection?.status === 'ready') await worker.waitUntilReady();
      await worker.close();
    }),
  );
  if (await settlesWithin(graceful, timeoutMs)) return true;
  logger.warn({ timeoutMs }, 'shutdown deadline passed; unfinished jobs will be picked up by another worker');
  // close(true) after close() only returns the pending close; dropping the connection stops the
  // lock renewals instead, so the jobs left running here are handed over like a crashed worker's.
  const forced = Promise.allSettled(workers.map((worker) => worker.disconnect()));
  if (!(await settlesWithin(forced, FORCED_CLOSE_GRACE_MS)))
    logger.warn('workers did not close (is Redis unreachable?); leaving them behind');
  return false;
}

async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
