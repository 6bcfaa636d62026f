import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import type { BenchTag } from './recorder.js';

export const BENCH_EVENT = 'implementation_completed';

export interface ConfigOptions {
  dir: string;
  file: string;
  redisUrl: string;
  prefix: string;
  secret: string;
  endpoints: ReadonlyArray<{ name: string; url: string }>;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Writes the server-under-test's config (only loopback, only this run's Redis prefix). */
export function writeConfig(options: ConfigOptions): string {
  const queue: Record<string, number> = {
    lock_duration_ms: options.lockDurationMs ?? 5_000,
    stalled_interval_ms: options.stalledIntervalMs ?? 2_500,
  };
  if (options.concurrency !== undefined) queue.concurrency = options.concurrency;
  const config = {
    server: { host: '127.0.0.1', port: 0, shutdown_timeout_ms: 2_000 },
    redis: { url: options.redisUrl, prefix: options.prefix },
    logging: { level: 'warn' },
    security: { allow_private_networks: true },
    inbound: { events: { enabled: true, secret: options.secret } },
    queue,
    integrations: {
      webhooks: {
        enabled: true,
        endpoints: options.endpoints.map((e) => ({
          name: e.name,
          url: e.url,
          events: [BENCH_EVENT],
          secret: `${options.secret}-${e.name}`,
        })),
      },
    },
  };
  const path = join(options.dir, options.file);
  writeFileSync(path, stringify(config));
  return path;
}

/** One event in the seed payload format, with the bench's tag as an extra top-level key. */
export function eventBody(tag: BenchTag): string {
  return JSON.stringify({
    id: `${tag.run}-${tag.seq}`,
    event: BENCH_EVENT,
    spec: { id: `SPEC-${tag.seq}`, title: 'Benchmark spec', status: 'implemented' },
    repository: { owner: 'threadline', name: 'bench' },
    branch: 'main',
    bench: tag,
  });
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Signed POST /hooks/events over keep-alive connections; resolves true on 202. */
export class EventPoster {
  readonly pool: Pool;
  /** How often each HTTP status came back. */
  readonly statuses = new Map<number, number>();

  constructor(
    url: string,
    private readonly secret: string,
    connections = 32,
    private readonly timeoutMs = 10_000,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async post(tag: BenchTag): Promise<boolean> {
    const body = eventBody(tag);
    const response = await this.pool.request({
      path: '/hooks/events',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': sign(this.secret, body) },
      body,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.body.dump();
    this.statuses.set(response.statusCode, (this.statuses.get(response.statusCode) ?? 0) + 1);
    return response.statusCode === 202;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
