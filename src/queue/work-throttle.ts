import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/** What the throttle turns: a BullMQ worker's concurrency can be changed while it runs. */
export interface Throttleable {
  concurrency: number;
}

export interface WorkThrottleOptions {
  /** How often the event loop's utilisation is read. */
  intervalMs?: number;
  /** Above this share of busy time, background work is halved. */
  high?: number;
  /** Below it, background work grows back by a tenth of its configured concurrency per interval. */
  low?: number;
}

/**
 * Answers first, background work second, in a process that serves requests and runs workers
 * (`serve` with role `all`). A burst of queued work (hundreds of `/ops page` commands, each
 * opening an incident and posting cards) would otherwise take the event loop from the requests
 * Slack, Discord and senders of events are waiting on. When the loop is busier than `high`, every
 * worker's concurrency is halved (down to 1); once it is below `low`, it grows back to what the
 * config says. Jobs not taken wait in Redis, where nothing is lost; the worker role alone is not
 * throttled.
 */
export class WorkThrottle {
  private readonly configured = new Map<Throttleable, number>();
  private readonly intervalMs: number;
  private readonly high: number;
  private readonly low: number;
  private last: EventLoopUtilization | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: WorkThrottleOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    this.high = options.high ?? 0.8;
    this.low = options.low ?? 0.5;
  }

  add(worker: Throttleable): void {
    this.configured.set(worker, worker.concurrency);
  }

  remove(worker: Throttleable): void {
    this.configured.delete(worker);
  }

  start(): void {
    this.last = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads the utilisation since the last tick and turns every worker accordingly. */
  tick(utilization = this.measure()): void {
    for (const [worker, full] of this.configured) {
      if (utilization > this.high) worker.concurrency = Math.max(1, Math.floor(worker.concurrency / 2));
      else if (utilization < this.low && worker.concurrency < full)
        worker.concurrency = Math.min(full, worker.concurrency + Math.max(1, Math.ceil(full / 10)));
    }
  }

  private measure(): number {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    return since.utilization;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const [worker, full] of this.configured) worker.concurrency = full;
  }
}
