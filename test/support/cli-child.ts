import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './wait.js';

export interface CliChild {
  process: ChildProcess;
  /** stdout and stderr as they arrived, interleaved. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  /** Waits until the output matches (the child is killed and the test fails if it never does). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The exit code, or the signal name; `'still running'` when it did not exit within `timeoutMs`. */
  exit(timeoutMs: number): Promise<number | string>;
}

/** How long a child takes to start on a busy machine (tsx compiles the sources first). */
export const CHILD_START_MS = 90_000;

/** Runs `threadline <args>` from the TypeScript sources in a child process. */
export function startCli(args: string[], env: Record<string, string> = {}): CliChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    process: child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForOutput(pattern, timeoutMs = CHILD_START_MS) {
      const ended = () => child.exitCode !== null || child.signalCode !== null;
      await waitFor(() => pattern.test(output) || ended(), { timeoutMs, what: String(pattern) }).catch(
        () => undefined,
      );
      if (pattern.test(output)) return;
      child.kill('SIGKILL');
      throw new Error(`${pattern} never appeared; the child printed:\n${output}`);
    },
    async exit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        exited,
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve('still running'), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (outcome === 'still running') {
        child.kill('SIGKILL');
        await exited;
      }
      return outcome;
    },
  };
}

/** Runs a command to its end: exit code (or 'still running'), what it printed, and how long it took. */
export async function runCliChild(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | string; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = startCli(args, options.env);
  const code = await child.exit(options.timeoutMs ?? CHILD_START_MS);
  return { code, stdout: child.stdout(), stderr: child.stderr(), ms: Date.now() - started };
}
