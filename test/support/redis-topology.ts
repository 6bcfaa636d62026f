import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

/*
 * Local Redis topologies for tests, started from Debian's redis-server / redis-sentinel /
 * redis-cli on loopback ports in a temporary directory, and torn down after.
 */

/** Why a topology cannot be started here (a binary is missing), or undefined when it can. */
export function missingBinaries(...binaries: string[]): string | undefined {
  const missing = binaries.filter((binary) => spawnSync(binary, ['--version']).error !== undefined);
  return missing.length > 0
    ? `skipped: ${missing.join(', ')} not installed (apt-get install redis-server redis-sentinel)`
    : undefined;
}

/** A free loopback port whose cluster bus port (port + 10000) is free too. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'tl-topology-'));
  private readonly children = new Map<number, ChildProcess>();

  spawn(command: string, args: string[], port: number): void {
    const child = spawn(command, args, { cwd: this.dir, stdio: 'ignore' });
    this.children.set(port, child);
  }

  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((port) => this.kill(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A client for one server, for the test's own checks; it never retries. */
export function probe(port: number, password?: string): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

async function ask<T>(
  port: number,
  run: (client: Redis) => Promise<T>,
  password?: string,
): Promise<T | undefined> {
  const client = probe(port, password);
  try {
    return await run(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

const serverArgs = (port: number) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--protected-mode',
  'no',
];

/** Three masters (no replicas) of a Redis Cluster, slots spread by `redis-cli --cluster create`. */
export class LocalRedisCluster {
  private readonly processes = new Processes();
  ports: number[] = [];

  /** With a password, every node requires it (`requirepass`). */
  constructor(readonly password?: string) {}

  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  async start(masters = 3): Promise<this> {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      this.ports.push(port);
      this.processes.spawn(
        'redis-server',
        [
          ...serverArgs(port),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          ...(this.password ? ['--requirepass', this.password, '--masterauth', this.password] : []),
        ],
        port,
      );
    }
    for (const port of this.ports)
      await waitFor(() => ask(port, (c) => c.ping(), this.password), {
        timeoutMs: 10_000,
        what: `redis-server on ${port}`,
      });
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...this.ports.map((port) => `127.0.0.1:${port}`), '--cluster-yes'],
      // REDISCLI_AUTH keeps the password off the command line.
      {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, ...(this.password ? { REDISCLI_AUTH: this.password } : {}) },
      },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
    for (const port of this.ports) {
      await waitFor(
        () => ask(port, async (c) => /cluster_state:ok/.test(String(await c.cluster('INFO'))), this.password),
        {
          timeoutMs: 15_000,
          what: `cluster state ok on ${port}`,
        },
      );
    }
    return this;
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
  }
}

export const SENTINEL_MASTER = 'tlmaster';

/** A master, one replica and three sentinels watching them (quorum 2). */
export class LocalRedisSentinel {
  private readonly processes = new Processes();
  masterPort = 0;
  replicaPort = 0;
  sentinelPorts: number[] = [];

  get sentinels(): { host: string; port: number }[] {
    return this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,…/<master>` */
  get url(): string {
    return `redis+sentinel://${this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${SENTINEL_MASTER}`;
  }

  async start(): Promise<this> {
    this.masterPort = await freePort();
    this.replicaPort = await freePort();
    this.processes.spawn('redis-server', serverArgs(this.masterPort), this.masterPort);
    this.processes.spawn(
      'redis-server',
      [...serverArgs(this.replicaPort), '--replicaof', '127.0.0.1', String(this.masterPort)],
      this.replicaPort,
    );
    await waitFor(
      () => ask(this.replicaPort, async (c) => /master_link_status:up/.test(await c.info('replication'))),
      { timeoutMs: 15_000, what: 'the replica in sync' },
    );
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      this.sentinelPorts.push(port);
      const file = join(this.processes.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${this.masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
          '',
        ].join('\n'),
      );
      this.processes.spawn('redis-sentinel', [file], port);
    }
    // Failover needs every sentinel to know the replica and the other sentinels.
    for (const port of this.sentinelPorts) {
      await waitFor(
        () =>
          ask(port, async (c) => {
            const replicas = (await c.call('SENTINEL', 'REPLICAS', SENTINEL_MASTER)) as unknown[];
            const peers = (await c.call('SENTINEL', 'SENTINELS', SENTINEL_MASTER)) as unknown[];
            return replicas.length === 1 && peers.length === 2;
          }),
        { timeoutMs: 20_000, what: `sentinel ${port} to see the replica and its peers` },
      );
    }
    return this;
  }

  /** The port the sentinels currently name as master. */
  async currentMasterPort(): Promise<number | undefined> {
    const address = await ask(
      this.sentinelPorts[0]!,
      (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER) as Promise<string[] | null>,
    );
    return address ? Number(address[1]) : undefined;
  }

  /**
   * A planned failover that loses no acknowledged write: writes on the master pause (clients
   * wait, and ingress answers 503 past its deadline), the replica catches up, the sentinels
   * promote it, and the pause ends only once the old master has become a replica, so a paused
   * write fails there with READONLY and is resent to the new master. Returns the new master's port.
   * (An unplanned failover, the master crashing, can lose the writes it had not yet replicated.)
   */
  async failover(): Promise<number> {
    const oldMaster = (await this.currentMasterPort())!;
    const replica = oldMaster === this.masterPort ? this.replicaPort : this.masterPort;
    const admin = probe(oldMaster);
    try {
      await admin.call('CLIENT', 'PAUSE', '30000', 'WRITE');
      const offset = async (port: number, field: string) =>
        ask(port, async (c) => Number(new RegExp(`${field}:(\\d+)`).exec(await c.info('replication'))?.[1]));
      await waitFor(
        async () =>
          (await offset(replica, 'slave_repl_offset')) === (await offset(oldMaster, 'master_repl_offset')),
        { timeoutMs: 10_000, what: 'the replica to catch up' },
      );
      await ask(this.sentinelPorts[0]!, (c) => c.call('SENTINEL', 'FAILOVER', SENTINEL_MASTER));
      await waitFor(async () => (await this.currentMasterPort()) === replica, {
        timeoutMs: 20_000,
        what: 'the sentinels to name the replica as master',
      });
      // The sentinels would demote the old master too, but only once its pause ends; until then
      // it would still take writes that the new master never sees.
      await admin.call('REPLICAOF', '127.0.0.1', String(replica));
      await admin.call('CLIENT', 'UNPAUSE');
    } finally {
      admin.disconnect();
    }
    return replica;
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
  }
}
