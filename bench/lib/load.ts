import { now, sleep } from './env.js';
import { Samples, type Summary, summarize } from './stats.js';

export interface OpenLoadOptions {
  /** Events per second. */
  rate: number;
  warmupS: number;
  /**
   * The warm-up's arrivals rise linearly from 0 to `rate` instead of starting at `rate`, so a
   * freshly started process warms its JIT before full load (half as many warm-up events).
   */
  warmupRamp?: boolean;
  durationS: number;
  /** Sends event `seq`, scheduled at `t`; resolves true when it was accepted. Must settle by itself (own timeout). */
  send: (seq: number, t: number, warm: boolean) => Promise<boolean>;
  /**
   * At most this many sends outstanding: an event that comes due while this many are still
   * unanswered is not sent at all and counts as shed (never accepted). Keeps an overloaded
   * server from turning into an ever-growing client-side queue that eats the bench's CPU.
   */
  maxOutstanding: number;
  /** Called right after the last event has come due (before waiting for the last answers). */
  onLastSent?: () => void;
  /** How long to wait for the last answers after the last send. */
  settleMs?: number;
}

export interface OpenLoadResult {
  rate: number;
  t0: number;
  /** Start and end of the measured window (after warm-up). */
  measureFrom: number;
  measureTo: number;
  scheduled: number;
  measuredScheduled: number;
  accepted: number;
  measuredAccepted: number;
  /** Answered, but not with an acceptance (e.g. a 4xx/5xx status). */
  rejected: number;
  /** The send threw: connection error or timeout. */
  failed: number;
  /** Not sent: maxOutstanding sends were already waiting for an answer. */
  shed: number;
  /** Sends that had not settled when the settle time ran out. */
  unanswered: number;
  /** Acceptances that completed inside the measured window. */
  acceptedInWindow: number;
  /** Scheduled time → accepted, over every measured event; rejected, failed, shed and unanswered count as never. */
  ack: Summary;
  /** How far behind schedule the generator itself was when sending (its own event-loop / CPU delays). */
  sendLag: Summary;
  /** 1 for each sequence number that was accepted. */
  acceptedSeqs: Uint8Array;
}

/**
 * Open-model load: event i is due at t0 + i/rate whatever happened to earlier ones, so a slow
 * server cannot slow the arrivals down, and every latency is measured from the scheduled time
 * (no coordinated omission). A timer of at most 5 ms releases whatever has come due.
 */
export async function openLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const { rate, send } = options;
  const interval = 1000 / rate;
  const warmupMs = options.warmupS * 1000;
  const warmCount = Math.round((rate * options.warmupS) / (options.warmupRamp ? 2 : 1));
  const scheduled = warmCount + Math.round(rate * options.durationS);
  const t0 = now() + 50;
  /** When event `seq` is due: on the ramp, cumulative arrivals grow with the square of the time. */
  const dueAt = (seq: number): number =>
    seq < warmCount
      ? t0 + (options.warmupRamp ? warmupMs * Math.sqrt(seq / warmCount) : seq * interval)
      : t0 + warmupMs + (seq - warmCount) * interval;
  const measureFrom = dueAt(warmCount);
  const measureTo = dueAt(scheduled);

  const acceptedSeqs = new Uint8Array(scheduled);
  const ackLatencies = new Samples();
  const lags = new Samples();
  let accepted = 0;
  let measuredAccepted = 0;
  let rejected = 0;
  let failed = 0;
  let shed = 0;
  let sent = 0;
  let settled = 0;
  let acceptedInWindow = 0;
  let next = 0;

  const fire = (seq: number, t: number) => {
    const warm = seq < warmCount;
    sent++;
    send(seq, t, warm).then(
      (ok) => {
        settled++;
        const done = now();
        if (!ok) {
          rejected++;
          return;
        }
        accepted++;
        acceptedSeqs[seq] = 1;
        if (done >= measureFrom && done < measureTo) acceptedInWindow++;
        if (!warm) {
          measuredAccepted++;
          ackLatencies.push(done - t);
        }
      },
      () => {
        settled++;
        failed++;
      },
    );
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const current = now();
      while (next < scheduled) {
        const t = dueAt(next);
        if (t > current) break;
        lags.push(current - t);
        if (sent - settled >= options.maxOutstanding) {
          shed++;
          next++;
        } else {
          fire(next++, t);
        }
      }
      if (next >= scheduled) {
        options.onLastSent?.();
        return resolve();
      }
      setTimeout(tick, Math.max(0, Math.min(5, dueAt(next) - now() - 0.5)));
    };
    setTimeout(tick, Math.max(0, t0 - now()));
  });

  const settleBy = now() + (options.settleMs ?? 15_000);
  while (settled < sent && now() < settleBy) await sleep(20);

  const measuredScheduled = scheduled - warmCount;
  return {
    rate,
    t0,
    measureFrom,
    measureTo,
    scheduled,
    measuredScheduled,
    accepted,
    measuredAccepted,
    rejected,
    failed,
    shed,
    unanswered: sent - settled,
    acceptedInWindow,
    ack: summarize(ackLatencies.values(), measuredScheduled - measuredAccepted),
    sendLag: summarize(lags.values()),
    acceptedSeqs,
  };
}
