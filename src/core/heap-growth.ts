import { setFlagsFromString } from 'node:v8';

/**
 * How far V8's old generation may grow past what survived the last full collection before the
 * next one: (1 + percent/100) × the live size. 0 leaves V8's own factor, which on a fast
 * collector is up to 4× — a `--role all` process at 1,000 events/s then peaks near 220 MB while
 * its live heap is about 35 MB. Garbage promoted under load is mostly short-lived requests that
 * happened to straddle two scavenges, so full collections stay cheap (7–16 ms measured) when run
 * more often. Process-wide, so only entry points (serve) apply it, before the load starts.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
