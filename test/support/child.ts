import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildServer {
  process: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

export function writeConfigFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tl-child-')), 'specs.config.yaml');
  writeFileSync(file, text);
  return file;
}

/** Runs `threadline serve` from the TypeScript sources in a child process. */
export async function startChildServer(
  configFile: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/bin.ts', 'serve', '--config', configFile, '--port', '0', ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start:\n${output}`)), 20_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`child exited before listening:\n${output}`));
    });
  });
  return { process: child, url, output: () => output, exited };
}
