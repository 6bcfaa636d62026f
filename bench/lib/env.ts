import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/lib/ → ../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** REDIS_URL or the local default; anything that is not loopback is refused (benches stay on 127.0.0.1). */
export function redisUrl(): string {
  const url =
    process.env.REDIS_URL && process.env.REDIS_URL.trim() !== ''
      ? process.env.REDIS_URL
      : 'redis://127.0.0.1:6379';
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
    throw new Error(`REDIS_URL points at ${host}; the benchmarks only talk to a local Redis (127.0.0.1)`);
  }
  return url;
}

/** A Redis key prefix of this run alone: every key it creates is under `<prefix>:`. */
export function runPrefix(): string {
  return `bench-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function envNumber(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw} is not a number ≥ ${min}`);
  return value;
}

export function envNumbers(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new Error(`${name}=${raw} must be a comma-separated list of positive numbers`);
  }
  return values;
}
