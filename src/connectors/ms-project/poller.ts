import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { showPolledChange, summaryOf } from '../ticketing/status-change.js';
import type { TicketingConnector, TrackerWatch } from '../ticketing/ticketing.connector.js';
import type { MsProjectTracker } from './ms-project.tracker.js';
import type { PlanState, SeenTask } from './plan-state.js';

export interface PlannerPollOptions {
  connector: TicketingConnector;
  tracker: MsProjectTracker;
  state: () => PlanState | undefined;
  chat: () => ChatSurface | undefined;
  intervalMs: number;
}

/**
 * Progress changed in Planner, found by listing the plan on a cadence and comparing each task
 * with what was last seen of it in Redis (an unchanged etag is skipped; a new etag with the same
 * percentComplete is someone editing something else). A change to a task opened for a spec goes
 * to applyStatusChange, like a tracker webhook's. What Threadline wrote itself is recorded before
 * it writes, so its own moves are not announced; a task seen for the first time is only recorded,
 * so a restart, or a first poll of a plan, announces nothing. One process polls per cadence.
 */
export class PlannerPoller implements TrackerWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private logger: Logger | undefined;
  private closed = false;

  constructor(private readonly options: PlannerPollOptions) {}

  start(logger: Logger): void {
    if (this.logger || this.closed || this.options.intervalMs === 0) return;
    this.logger = logger;
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One poll, when this process takes the cadence's turn. */
  async poll(): Promise<void> {
    const { connector, tracker, intervalMs } = this.options;
    const state = this.options.state();
    // Without Redis there is nothing to compare with, and no way to share the turn.
    if (!state || !(await state.takeTurn(Math.max(intervalMs - 250, 500)))) return;
    const tasks = await connector.run(() => tracker.scan());
    const known = await state.seen(tasks.map((task) => task.ref.key));
    const seen = new Map<string, SeenTask>();
    for (const task of tasks) {
      const key = task.ref.key;
      const before = known.get(key);
      if (before?.seen?.etag !== undefined && before.seen.etag === task.etag) continue;
      const changed =
        before?.seen !== undefined && before.seen.percent !== task.percent && before.wrote !== task.percent;
      if (changed && !(await this.tell(task.ref, task.percent, task.etag))) continue;
      seen.set(key, { percent: task.percent, ...(task.etag ? { etag: task.etag } : {}) });
    }
    await state.see(seen);
  }

  /** False when chat could not be told: the task stays as last seen, so the next poll tries again. */
  private async tell(
    ref: { key: string; status: string; title?: string; url?: string },
    percent: number,
    etag: string | undefined,
  ): Promise<boolean> {
    const { connector } = this.options;
    const what = 'Planner progress change';
    try {
      if (!(await connector.tickets.specOf(ref.key))) return true;
    } catch (error) {
      this.logger?.warn({ err: errorMessage(error), key: ref.key }, `${what} not shown in chat`);
      return false;
    }
    const change = `${percent}:${etag ?? ''}`;
    return showPolledChange(connector, this.options.chat, { ...summaryOf(ref), change }, this.logger, what);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.poll()
        .catch((error: unknown) =>
          this.logger?.warn({ err: errorMessage(error) }, 'Planner poll failed; trying again next time'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.intervalMs);
        });
    }, ms);
    // A poll never keeps a process alive: shutdown closes it, and a process may end without it.
    this.timer.unref();
  }
}
