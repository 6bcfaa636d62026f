import type { Logger } from './observability/logger.js';

/** One part of a process to close, in order; `force` ends it at once when the deadline has passed. */
export interface ShutdownStep {
  name: string;
  /** Gets the time left before the deadline, for steps that wait for in-flight work themselves. */
  close(remainingMs: number): Promise<unknown>;
  force?(): void;
}

export type ShutdownOutcome = 'complete' | 'deadline passed';

/**
 * Closes the steps in order within `deadlineMs`. When a step is still closing at the deadline
 * (a Redis command waiting for a reconnect that never comes), it and every later step are
 * forced instead. Never rejects and never waits past the deadline.
 */
export async function shutDown(
  steps: readonly ShutdownStep[],
  deadlineMs: number,
  logger: Logger,
): Promise<ShutdownOutcome> {
  const endsAt = Date.now() + deadlineMs;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  try {
    for (const [index, step] of steps.entries()) {
      const closing = step.close(Math.max(0, endsAt - Date.now())).then(
        () => 'closed' as const,
        (error: unknown) => {
          logger.warn({ err: error, step: step.name }, 'a part failed to close; going on with the rest');
          return 'closed' as const;
        },
      );
      if ((await Promise.race([closing, deadline])) === 'deadline') {
        logger.warn(
          { deadlineMs, closing: step.name },
          'shutdown deadline passed; closing the rest at once (unfinished jobs are picked up again after their lock expires)',
        );
        for (const rest of steps.slice(index)) forceQuietly(rest, logger);
        return 'deadline passed';
      }
    }
    return 'complete';
  } finally {
    clearTimeout(timer);
  }
}

function forceQuietly(step: ShutdownStep, logger: Logger): void {
  try {
    step.force?.();
  } catch (error) {
    logger.debug({ err: error, step: step.name }, 'forcing a part closed failed');
  }
}
