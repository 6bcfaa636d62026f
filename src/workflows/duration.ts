import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)\s*(ms|s|m|h|d)$/;

/** `90s`, `5m`, `1h`, `7d`, `250ms`, or a plain number of milliseconds; parsed to milliseconds. */
export function duration(minMs: number, maxMs: number) {
  return z.union([z.number().int(), z.string().trim()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 5m, 1h, 7d or 250ms' });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minMs} ms and ${maxMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}

export function parseDuration(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `1h 5m`, `90 s`: for people reading a card, never parsed back. */
export function describeDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}
