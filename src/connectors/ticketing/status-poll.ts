import { errorMessage, NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { pollFailure, pollGate } from '../poll-gate.js';
import type { TrackerPollOutcome, TrackerPollState } from './poll-state.js';
import { showPolledChange, summaryOf } from './status-change.js';
import type { TicketingConnector, TrackerWatch } from './ticketing.connector.js';
import type { TicketRef } from './tracker.js';

export { AUTH_RETRY_MS } from '../poll-gate.js';

/** Linked tickets read per tick at most, least recently read first. */
const MAX_PER_TICK = 200;

export interface TrackerPollSettings {
  /** `poll_interval`; 0 turns polling off. */
  intervalMs: number;
  /** `poll_resume_after`: polling pauses while the last verified webhook is younger than this. */
  resumeAfterMs: number;
  /** What the one warning on a refused read names: the secret to check. */
  credentials: string;
}

export interface TrackerStatusPollOptions extends TrackerPollSettings {
  connector: TicketingConnector;
  state: () => TrackerPollState | undefined;
  chat: () => ChatSurface | undefined;
  clock?: () => number;
  /** Where a poll run by hand (not started) logs; `start` gives the process's logger. */
  logger?: Logger;
}

/**
 * The fallback when a tracker's webhooks cannot reach us: every `poll_interval` one process reads
 * the tickets Threadline linked and compares each status with the one last seen. A change goes
 * to applyStatusChange, exactly as the tracker's webhook would bring it; the first sight of a
 * ticket only records it (a restart announces nothing), and Threadline's own moves are recorded
 * as seen when they are made. While the tracker's verified webhooks arrive, polling pauses.
 */
export class TrackerStatusPoller implements TrackerWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private logger: Logger | undefined;
  private closed = false;

  private started = false;

  constructor(private readonly options: TrackerStatusPollOptions) {
    this.logger = options.logger;
  }

  start(logger: Logger): void {
    if (this.started || this.closed || this.options.intervalMs === 0) return;
    this.started = true;
    this.logger = logger;
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One poll, when this process takes the cadence's turn; what it did, or undefined without the turn. */
  async poll(): Promise<TrackerPollOutcome | undefined> {
    const state = this.options.state();
    // Without Redis there is nothing to compare with, and no way to share the turn.
    if (!state || !(await state.takeTurn(Math.max(this.options.intervalMs - 250, 500)))) return undefined;
    const outcome = await this.tick(state);
    await state.recordTick(outcome, this.now());
    return outcome;
  }

  private async tick(state: TrackerPollState): Promise<TrackerPollOutcome> {
    const { connector, resumeAfterMs } = this.options;
    const name = connector.tickets.tracker.system;
    const record = await state.record();
    const subject = { name, fields: { tracker: name }, logger: this.logger };
    const gate = pollGate(record, this.now(), resumeAfterMs, subject);
    if (gate) return gate;
    const keys = await state.due(MAX_PER_TICK);
    if (keys.length === 0) return 'idle';
    const known = await state.known(keys);
    for (const key of keys) {
      // Shutdown waits for the tick under way: the reads left are the next process's.
      if (this.closed) break;
      if (known.get(key)?.moving) continue;
      let ticket: TicketRef;
      try {
        ticket = await connector.run(() => connector.tickets.tracker.get(key));
      } catch (error) {
        if (error instanceof NotFoundError) {
          await state.untrack(key);
          continue;
        }
        return pollFailure(error, subject, {
          lastOutcome: record.outcome,
          now: this.now(),
          credentials: this.options.credentials,
          rateLimitedUntil: (until) => state.rateLimitedUntil(until),
          authFailed: (at) => state.authFailed(at),
        });
      }
      await state.read(key, this.now());
      if (record.authFailedAt !== undefined && (await state.authWorks()))
        this.logger?.info({ tracker: name }, `${name} accepts its credentials again: status polling resumed`);
      record.authFailedAt = undefined;
      // Read again after the tracker answered: a move of our own made meanwhile is recorded by now.
      const latest = (await state.known([key])).get(key);
      if (!latest || latest.moving) continue;
      if (latest.status === undefined) await state.first(key, ticket.status);
      else if (latest.status !== ticket.status && !(await this.tell(ticket, latest.changes))) continue;
      if (ticket.done) await state.untrack(key);
    }
    return 'polled';
  }

  /** False when chat could not be told: the status stays as last seen, so the next poll tries again. */
  private async tell(ticket: TicketRef, changes: number): Promise<boolean> {
    const { connector, chat } = this.options;
    // The same name until the change is recorded: a poll cut short after showing it does not show it twice.
    const change = `poll:${ticket.status}:${changes}`;
    return showPolledChange(
      connector,
      chat,
      { ...summaryOf(ticket), change },
      this.logger,
      'tracker status change (status poll)',
    );
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger?.warn(
            { err: errorMessage(error) },
            'tracker status poll failed; trying again next time',
          ),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.intervalMs);
        });
    }, ms);
    // A poll never keeps a process alive: shutdown closes it, and a process may end without it.
    this.timer.unref();
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
