import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, sleep } from './env.js';
import { RpcClient } from './ipc.js';

export type Role = 'all' | 'ingress' | 'worker';

export interface ServerChild {
  label: string;
  process: ChildProcess;
  pid: number;
  url: string;
  log: string;
}

export interface ExternalChild {
  label: string;
  process: ChildProcess;
  pid: number;
  log: string;
}

export interface HelperChild<R> {
  label: string;
  process: ChildProcess;
  pid: number;
  rpc: RpcClient;
  ready: R;
  log: string;
}

/**
 * Every process a bench starts goes through here, so all of them are stopped at the end: on
 * success, on an exception, on Ctrl-C, and (SIGKILL, synchronously) on process exit.
 */
export class Children {
  private readonly live = new Set<ChildProcess>();
  private counter = 0;

  constructor(private readonly logDir: string) {
    process.on('exit', () => {
      for (const child of this.live) child.kill('SIGKILL');
    });
  }

  private track(child: ChildProcess): void {
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
  }

  private logFile(label: string): { path: string; stream: WriteStream } {
    const path = join(this.logDir, `${String(++this.counter).padStart(2, '0')}-${label}.log`);
    return { path, stream: createWriteStream(path) };
  }

  /** `node dist/src/cli/bin.js serve --config FILE --port 0 --role ROLE`; resolves once it listens. */
  async startServer(label: string, configFile: string, role: Role, timeoutMs = 20_000): Promise<ServerChild> {
    const { path, stream } = this.logFile(label);
    const child = spawn(
      process.execPath,
      [...serverNodeArgs(), serverBin(), 'serve', '--config', configFile, '--port', '0', '--role', role],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.track(child);
    child.stderr?.pipe(stream, { end: false });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label} did not start within ${timeoutMs} ms; see ${path}`)),
        timeoutMs,
      );
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        stream.write(`${line}\n`);
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited (${code ?? signal}) before listening:\n${tail(path)}`));
      });
    });
    return { label, process: child, pid: child.pid!, url, log: path };
  }

  /**
   * Any other executable (a peer system), stdout and stderr to its log file; stopped with the rest.
   * Resolves once it has been spawned: readiness is the caller's to check.
   */
  async spawn(label: string, command: string, args: string[]): Promise<ExternalChild> {
    const { path, stream } = this.logFile(label);
    stream.write(`$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { cwd: this.logDir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.track(child);
    child.stdout?.pipe(stream, { end: false });
    child.stderr?.pipe(stream, { end: false });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        // A process that never started emits no 'exit': nothing to stop later.
        this.live.delete(child);
        reject(new Error(`${label}: cannot start ${command}: ${error.message}`));
      });
    });
    return { label, process: child, pid: child.pid!, log: path };
  }

  /** Forks a bench/lib helper under tsx with an IPC channel; resolves with its `ready` message. */
  async fork<R>(label: string, script: string, args: string[], timeoutMs = 20_000): Promise<HelperChild<R>> {
    const { path, stream } = this.logFile(label);
    const child = fork(join(ROOT, 'bench', 'lib', script), args, {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      // Structured clone: typed arrays and Infinity survive the trip.
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.track(child);
    child.stdout?.pipe(stream, { end: false });
    child.stderr?.pipe(stream, { end: false });
    const rpc = new RpcClient(child);
    const ready = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label} did not start within ${timeoutMs} ms; see ${path}`)),
        timeoutMs,
      );
      const onMessage = (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as R);
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited (${code ?? signal}) before it was ready:\n${tail(path)}`));
      });
    });
    return { label, process: child, pid: child.pid!, rpc, ready, log: path };
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(child: ChildProcess, graceMs = 3_000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const outcome = await Promise.race([
      exited.then(() => 'exited' as const),
      sleep(graceMs).then(() => 'timeout' as const),
    ]);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((child) => this.stop(child)));
  }
}

/** BENCH_SERVER_BIN: another build's bin.js to run instead of dist/src/cli/bin.js (A/B experiments). */
function serverBin(): string {
  return process.env.BENCH_SERVER_BIN || join(ROOT, 'dist', 'src', 'cli', 'bin.js');
}

/** BENCH_SERVER_NODE_ARGS: extra node flags for the server under test, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
