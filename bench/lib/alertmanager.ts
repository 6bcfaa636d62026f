/**
 * Prometheus Alertmanager as the peer of bench:events: found on PATH, started as a child of its
 * own (temp storage, loopback only, no cluster gossip), fed one alert per event over
 * `POST /api/v2/alerts`, delivering to the same loopback webhook receivers as Threadline.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { alertBody } from './alertmanager-payload.js';
import { type Children, type ExternalChild, tail } from './children.js';
import { now, sleep } from './env.js';
import type { RpcClient } from './ipc.js';
import type { BenchTag } from './recorder.js';

export const ALERTMANAGER_COMMAND = 'prometheus-alertmanager';
export const ALERTMANAGER_INSTALL = 'apt-get install prometheus-alertmanager';

export interface AlertmanagerBinary {
  path: string;
  /** First line of `--version`, e.g. "alertmanager, version 0.25.0 (…)". */
  version: string;
}

/** BENCH_ALERTMANAGER_BIN, else `prometheus-alertmanager` on PATH; undefined when there is none. */
export function findAlertmanager(): AlertmanagerBinary | undefined {
  const explicit = process.env.BENCH_ALERTMANAGER_BIN;
  const candidates = explicit
    ? [explicit]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, ALERTMANAGER_COMMAND));
  const path = candidates.find(isExecutable);
  if (!path) return undefined;
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = `${probe.stdout ?? ''}${probe.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  return { path, version: version || 'version unknown' };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The set-up: one route that groups by every label (each alert is a group of its own),
 * notifies at once (group_wait 0s) and re-evaluates each group every second, one receiver with
 * one webhook_config per receiver URL. Resolved notifications are off: only firing ones are
 * deliveries (the alerts would resolve only after resolve_timeout, 5 min, anyway).
 */
export function writeAlertmanagerConfig(path: string, receiverUrls: readonly string[]): void {
  const config = {
    route: {
      receiver: 'bench',
      group_by: ['...'],
      group_wait: '0s',
      group_interval: '1s',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: 'bench',
        webhook_configs: receiverUrls.map((url) => ({ url, send_resolved: false })),
      },
    ],
  };
  writeFileSync(path, stringify(config));
}

export interface AlertmanagerChild extends ExternalChild {
  url: string;
}

async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Alertmanager with its config and storage in `dir`, on a free loopback port, gossip off;
 * resolves once `/-/ready` answers 200. The port is probed free first; should another process
 * take it in between, Alertmanager exits and the start is tried again (3 attempts).
 */
export async function startAlertmanager(
  children: Children,
  options: { bin: string; dir: string; label: string; receiverUrls: readonly string[]; timeoutMs?: number },
): Promise<AlertmanagerChild> {
  const configFile = join(options.dir, `${options.label}.yml`);
  writeAlertmanagerConfig(configFile, options.receiverUrls);
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const storage = mkdtempSync(join(options.dir, `${options.label}-data-`));
    const port = await freePort();
    const child = await children.spawn(options.label, options.bin, [
      `--config.file=${configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(child, url, options.timeoutMs ?? 20_000);
      return { ...child, url };
    } catch (error) {
      lastError = error as Error;
      await children.stop(child.process);
    }
  }
  throw lastError ?? new Error(`${options.label} did not start`);
}

async function waitReady(child: ExternalChild, url: string, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(
        `${child.label} exited (${child.process.exitCode ?? child.process.signalCode}) before it was ready:\n${tail(child.log)}`,
      );
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${child.label} was not ready within ${timeoutMs} ms; see ${child.log}`);
}

/** One alert per `POST /api/v2/alerts` over keep-alive connections; resolves true on 200. */
export class AlertPoster {
  private readonly pool: Pool;
  /** How often each HTTP status came back. */
  readonly statuses = new Map<number, number>();
  /** Alerts Alertmanager took (answered 200) so far. */
  accepted = 0;

  constructor(
    url: string,
    connections = 32,
    private readonly timeoutMs = 10_000,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async post(tag: BenchTag): Promise<boolean> {
    const response = await this.pool.request({
      path: '/api/v2/alerts',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: alertBody(tag),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.body.dump();
    this.statuses.set(response.statusCode, (this.statuses.get(response.statusCode) ?? 0) + 1);
    if (response.statusCode !== 200) return false;
    this.accepted++;
    return true;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * Alertmanager keeps its work in memory, not in queues the bench could count: its backlog is
 * the deliveries owed (accepted alerts × receivers) that have not reached the receivers yet.
 */
export class OwedDeliveries {
  constructor(
    private readonly receivers: RpcClient,
    private readonly run: string,
    private readonly poster: AlertPoster,
    private readonly fanOut: number,
  ) {}

  async total(): Promise<number> {
    const owed = this.poster.accepted * this.fanOut;
    const delivered = await this.receivers.call<number>('unique', { run: this.run });
    // A delivery can beat the 200 to its own POST back to the bench: never below zero.
    return Math.max(0, owed - delivered);
  }

  async counts(): Promise<Record<string, { waiting: number; active: number; delayed: number }>> {
    return { 'deliveries.owed': { waiting: await this.total(), active: 0, delayed: 0 } };
  }
}

export interface AlertmanagerCounters {
  received: number;
  invalid: number;
  notifications: number;
  failed: number;
}

/** Alertmanager's own counters from /metrics (alerts received, webhook notifications sent/failed). */
export async function alertmanagerCounters(url: string): Promise<AlertmanagerCounters | undefined> {
  try {
    // A busy Alertmanager (tens of thousands of groups) can take seconds to render /metrics.
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    const sum = (name: string, filter = '') => {
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (filter && !line.includes(filter)) continue;
        total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
      return total;
    };
    return {
      received: sum('alertmanager_alerts_received_total'),
      invalid: sum('alertmanager_alerts_invalid_total'),
      notifications: sum('alertmanager_notifications_total', 'integration="webhook"'),
      failed: sum('alertmanager_notifications_failed_total', 'integration="webhook"'),
    };
  } catch {
    return undefined;
  }
}
