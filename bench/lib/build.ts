import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './env.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs `npm run build` when dist/ is missing or older than any file in src/ or the tsconfigs
 * (tsc rewrites every output, so dist/src/cli/bin.js dates the last build). BENCH_SKIP_BUILD=1 skips it.
 */
export function ensureBuilt(log: (line: string) => void): 'skipped' | 'fresh' | 'built' {
  if (process.env.BENCH_SKIP_BUILD === '1') return 'skipped';
  const bin = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
  const sources = Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'commands')),
    newestMtime(join(ROOT, 'cards')),
    statSync(join(ROOT, 'tsconfig.json')).mtimeMs,
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
  );
  if (existsSync(bin) && statSync(bin).mtimeMs >= sources) return 'fresh';
  log('dist/ is stale: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `npm run build failed (exit ${result.status ?? result.signal}); fix the build or set BENCH_SKIP_BUILD=1`,
    );
  }
  return 'built';
}
