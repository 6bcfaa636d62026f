import { readFileSync } from 'node:fs';

/** VmRSS of a process in bytes, from /proc/<pid>/status; undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS of labelled processes every `intervalMs` and keeps the peak of each. */
export class RssSampler {
  private readonly pids = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 250) {}

  watch(label: string, pid: number): void {
    this.pids.set(label, pid);
    this.sample();
  }

  unwatch(label: string): void {
    this.sample();
    this.pids.delete(label);
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Starts a new measuring window: peaks are forgotten. */
  reset(): void {
    this.peaks.clear();
    this.sample();
  }

  sample(): void {
    for (const [label, pid] of this.pids) {
      const rss = rssBytes(pid);
      if (rss !== undefined) this.peaks.set(label, Math.max(this.peaks.get(label) ?? 0, rss));
    }
  }

  peak(label: string): number | undefined {
    return this.peaks.get(label);
  }

  snapshot(): Record<string, number> {
    this.sample();
    return Object.fromEntries(this.peaks);
  }
}

const CLOCK_TICKS = 100;

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat utime + stime). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU time from /proc/stat: busy and total jiffies (all cores). */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}
