import { EVENT_NAMES } from './events.js';

/** Levenshtein distance, small inputs only (config keys, event names, runbook names). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, if it is close enough to be what the user meant. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const score = distance(input.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const tolerance = Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && bestScore <= tolerance ? best : undefined;
}

/** `did you mean "x"?` when a candidate is close enough, for any "unknown name" message. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const suggestion = closest(input, candidates);
  return suggestion === undefined ? undefined : `did you mean "${suggestion}"?`;
}

/** What to say after `unknown event "x"`: the closest event name, else where the catalogue is. */
export function unknownEventHint(input: string): string {
  return didYouMean(input, EVENT_NAMES) ?? 'see docs/events.md for the event catalogue';
}
