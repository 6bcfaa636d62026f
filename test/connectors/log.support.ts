/** One write to the process's stderr, as it was written. */
export interface StderrWrite {
  at: number;
  text: string;
}

/**
 * Records what this process writes to stderr until `restore()`, and still writes it. The log
 * connector writes to the real stderr when the app builds it from config, so this is the only
 * way to see its lines from a test that runs the app in-process.
 */
export function captureStderr(): { writes: StderrWrite[]; restore(): void } {
  const writes: StderrWrite[] = [];
  const original = process.stderr.write;
  const recording = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    writes.push({
      at: Date.now(),
      text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'),
    });
    return Reflect.apply(original, process.stderr, [chunk, ...rest]);
  };
  process.stderr.write = recording as typeof process.stderr.write;
  return {
    writes,
    restore: () => {
      process.stderr.write = original;
    },
  };
}
