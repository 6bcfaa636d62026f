import { Samples, type Summary, summarize } from './stats.js';

/** What the load generator puts in each event (an extra top-level key of the payload). */
export interface BenchTag {
  /** Which run the event belongs to. */
  run: string;
  /** Sequence number within the run. */
  seq: number;
  /** Scheduled send time (performance.timeOrigin + performance.now() clock, ms). */
  t: number;
  /** Sent during warm-up: counted for completeness, left out of latency figures. */
  warm: boolean;
}

export interface RunStats {
  /** Requests received, duplicates included. */
  requests: number;
  /** Distinct (destination, event) deliveries received. */
  unique: number;
  /** Deliveries received more than once, and how many extra requests that made. */
  duplicateIds: number;
  extraRequests: number;
  /** Requests whose x-delivery-id / webhook-id did not match the id expected for that event and destination. */
  idMismatches: number;
  /** Requests (first arrivals) that arrived inside [from, to). */
  inWindow: number;
  /** Scheduled → first arrival, measured (non-warm-up) events only, missing ones counted as never. */
  latency: Summary;
  firstArrival: number;
  lastArrival: number;
}

class RunRecord {
  requests = 0;
  unique = 0;
  duplicateIds = 0;
  extraRequests = 0;
  idMismatches = 0;
  firstArrival = Number.POSITIVE_INFINITY;
  lastArrival = 0;
  readonly arrivals = new Samples();
  readonly latencies = new Samples();
  private readonly seen: Uint8Array[] = [];

  timesSeen(slot: number, seq: number): number {
    return this.seen[slot]?.[seq] ?? 0;
  }

  /** Returns how many times this (slot, seq) has now been seen. */
  mark(slot: number, seq: number): number {
    let counts = this.seen[slot];
    if (!counts || seq >= counts.length) {
      const bigger = new Uint8Array(Math.max(1024, (seq + 1) * 2));
      if (counts) bigger.set(counts);
      counts = bigger;
      this.seen[slot] = counts;
    }
    counts[seq] = Math.min(255, counts[seq]! + 1);
    return counts[seq]!;
  }
}

/**
 * Counts deliveries per run without keeping a record per request: typed arrays of arrival times
 * and latencies, and a counter per (destination slot, event sequence number) to spot duplicates.
 */
export class Recorder {
  private readonly runs = new Map<string, RunRecord>();

  record(tag: BenchTag, slot: number, arrival: number, idOk: boolean): void {
    let run = this.runs.get(tag.run);
    if (!run) {
      run = new RunRecord();
      this.runs.set(tag.run, run);
    }
    run.requests++;
    if (!idOk) run.idMismatches++;
    run.firstArrival = Math.min(run.firstArrival, arrival);
    run.lastArrival = Math.max(run.lastArrival, arrival);
    const times = run.mark(slot, tag.seq);
    if (times > 1) {
      run.extraRequests++;
      if (times === 2) run.duplicateIds++;
      return;
    }
    run.unique++;
    run.arrivals.push(arrival);
    if (!tag.warm) run.latencies.push(arrival - tag.t);
  }

  stats(params: { run: string; from?: number; to?: number; expectedMeasured?: number }): RunStats {
    const run = this.runs.get(params.run) ?? new RunRecord();
    const measured = run.latencies.values();
    return {
      requests: run.requests,
      unique: run.unique,
      duplicateIds: run.duplicateIds,
      extraRequests: run.extraRequests,
      idMismatches: run.idMismatches,
      inWindow: run.arrivals.countBetween(params.from ?? 0, params.to ?? Number.POSITIVE_INFINITY),
      latency: summarize(
        measured,
        Math.max(0, (params.expectedMeasured ?? measured.length) - measured.length),
      ),
      firstArrival: run.firstArrival,
      lastArrival: run.lastArrival,
    };
  }

  uniqueCount(run: string): number {
    return this.runs.get(run)?.unique ?? 0;
  }

  /**
   * Against the set of accepted events (1 per accepted sequence number): deliveries of accepted
   * events not received yet, and events received although their sender never saw them accepted
   * (a timed-out POST the server had stored after all).
   */
  check(params: { run: string; accepted: Uint8Array; slots: number }): {
    missing: number;
    withoutAck: number;
  } {
    const run = this.runs.get(params.run) ?? new RunRecord();
    let missing = 0;
    let withoutAck = 0;
    for (let seq = 0; seq < params.accepted.length; seq++) {
      for (let slot = 0; slot < params.slots; slot++) {
        const seen = run.timesSeen(slot, seq) > 0;
        if (params.accepted[seq] && !seen) missing++;
        if (!params.accepted[seq] && seen) withoutAck++;
      }
    }
    return { missing, withoutAck };
  }
}
