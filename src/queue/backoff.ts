/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): the delay for
 * attempt n is uniform in [base, min(max, base·2^(n-1))], so retries from many jobs spread out
 * instead of arriving at the provider together.
 */
export function jitteredBackoff(
  attemptsMade: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 30));
  return Math.round(baseMs + random() * Math.max(0, ceiling - baseMs));
}

export const BACKOFF_TYPE = 'threadline-jitter';
