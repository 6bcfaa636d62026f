import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { type LoadedConfig, parseConfigText } from '../../src/config/load.js';
import { REDIS_URL } from './redis.js';
import { waitFor } from './wait.js';

/** A test config with an `inbound:` block of its own (`inbound` is the YAML lines under it). */
export function alertmanagerConfig(prefix: string, inbound: string, extra = ''): LoadedConfig {
  return parseConfigText(
    `
server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
logging: { level: debug }
security: { allow_private_networks: true }
queue: { backoff_base_ms: 20, backoff_max_ms: 200, lock_duration_ms: 2000, stalled_interval_ms: 1000 }
inbound:
${inbound}
${extra}
`,
    {},
  );
}

const COMMAND = 'prometheus-alertmanager';

/**
 * The Debian package's binary: ALERTMANAGER_BIN, else `prometheus-alertmanager` on PATH or in
 * /usr/bin. Returns the path, or why the tests that need it are skipped.
 */
export function findAlertmanager(): { path: string } | { skip: string } {
  const candidates = process.env.ALERTMANAGER_BIN
    ? [process.env.ALERTMANAGER_BIN]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'].map((dir) =>
        join(dir, COMMAND),
      );
  const path = candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!path)
    return {
      skip: `skipped: ${COMMAND} is not installed (apt-get install prometheus-alertmanager, or set ALERTMANAGER_BIN)`,
    };
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0)
    return { skip: `skipped: ${path} --version failed: ${probe.error?.message ?? probe.stderr}` };
  return { path };
}

export interface AlertInput {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

/** Counters from Alertmanager's /metrics for its webhook integration. */
export interface WebhookCounters {
  notifications: number;
  failed: number;
}

/**
 * A real Alertmanager on a free loopback port, gossip off, its storage and config in a temporary
 * directory that `stop()` removes. `config` is alertmanager.yml as an object.
 */
export class LocalAlertmanager {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  static async start(bin: string, config: unknown): Promise<LocalAlertmanager> {
    const dir = mkdtempSync(join(tmpdir(), 'tl-alertmanager-'));
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, stringify(config));
    let lastError: Error | undefined;
    // The port is probed free first; should another process take it in between, try again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freePort();
      const child = spawn(
        bin,
        [
          `--config.file=${file}`,
          `--storage.path=${join(dir, `data-${attempt}`)}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=debug',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const manager = new LocalAlertmanager(child, dir, `http://127.0.0.1:${port}`, () => output);
      try {
        await manager.waitReady(20_000);
        return manager;
      } catch (error) {
        lastError = error as Error;
        await manager.kill();
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw lastError ?? new Error('alertmanager did not start');
  }

  /** What Alertmanager logged (debug level: every notification attempt). */
  logs(): string {
    return this.output();
  }

  /** POST /api/v2/alerts, as Prometheus does. */
  async post(alerts: readonly AlertInput[]): Promise<void> {
    const response = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`POST /api/v2/alerts answered ${response.status}: ${text}`);
  }

  async counters(): Promise<WebhookCounters> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) && line.includes('integration="webhook"'))
        .reduce((total, line) => total + (Number(line.slice(line.lastIndexOf(' ') + 1)) || 0), 0);
    return {
      notifications: sum('alertmanager_notifications_total'),
      failed: sum('alertmanager_notifications_failed_total'),
    };
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const exited = () => this.child.exitCode !== null || this.child.signalCode !== null;
    await waitFor(async () => exited() || (await this.answersReady()), {
      timeoutMs,
      intervalMs: 50,
      what: 'alertmanager ready',
    }).catch(() => {
      throw new Error(`alertmanager was not ready within ${timeoutMs} ms:\n${this.output()}`);
    });
    if (exited()) throw new Error(`alertmanager exited before it was ready:\n${this.output()}`);
  }

  private async answersReady(): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false; // Not listening yet.
    }
  }
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
