import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/container-node.sh', import.meta.url));
const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));
const MIB = 1024 * 1024;

/** A cgroup tree as the container runtime mounts it, with only the memory limit in it. */
function cgroup(version: 1 | 2, limit: string): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-cgroup-'));
  if (version === 2) writeFileSync(join(root, 'memory.max'), `${limit}\n`);
  else {
    mkdirSync(join(root, 'memory'));
    writeFileSync(join(root, 'memory', 'memory.limit_in_bytes'), `${limit}\n`);
  }
  return root;
}

/** What node sees when started through the script: its NODE_OPTIONS and old-space limit. */
function startedWith(root: string, env: Record<string, string> = {}) {
  const result = spawnSync(
    'sh',
    [
      SCRIPT,
      '-e',
      'process.stdout.write(JSON.stringify({ options: process.env.NODE_OPTIONS ?? "", heap: require("v8").getHeapStatistics().heap_size_limit }))',
    ],
    { env: { PATH: process.env.PATH ?? '', CGROUP_ROOT: root, ...env }, encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as { options: string; heap: number };
}

describe('the container start script', () => {
  it('gives V8 three quarters of a cgroup v2 memory limit', () => {
    const started = startedWith(cgroup(2, String(512 * MIB)));
    expect(started.options.trim()).toBe('--max-old-space-size=384');
    expect(started.heap).toBeGreaterThanOrEqual(384 * MIB);
    expect(started.heap).toBeLessThan(512 * MIB);
  });

  it('reads a cgroup v1 limit the same way, and HEAP_PERCENT changes the share', () => {
    expect(startedWith(cgroup(1, String(1024 * MIB)), { HEAP_PERCENT: '50' }).options.trim()).toBe(
      '--max-old-space-size=512',
    );
  });

  it("leaves V8's own default when the container has no limit", () => {
    expect(startedWith(cgroup(2, 'max')).options).toBe('');
    expect(startedWith(cgroup(1, '9223372036854771712')).options).toBe('');
  });

  it('keeps a heap size the operator set in NODE_OPTIONS', () => {
    const started = startedWith(cgroup(2, String(512 * MIB)), { NODE_OPTIONS: '--max-old-space-size=200' });
    expect(started.options).toBe('--max-old-space-size=200');
  });

  it('is how the Docker image starts threadline', () => {
    const dockerfile = readFileSync(DOCKERFILE, 'utf8');
    expect(dockerfile).toMatch(
      /ENTRYPOINT \["sh", "scripts\/container-node\.sh", "dist\/src\/cli\/bin\.js"\]/,
    );
    expect(dockerfile).not.toMatch(/max-old-space-size=\d/);
  });
});

describe('the Docker build context', () => {
  it('lets in every file the Dockerfile copies from it (.dockerignore is an allow-list)', () => {
    const allowed = readFileSync(fileURLToPath(new URL('../../.dockerignore', import.meta.url)), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const copied = readFileSync(DOCKERFILE, 'utf8')
      .split('\n')
      .filter((line) => /^COPY (?!--from)/.test(line))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(copied.length).toBeGreaterThan(0);
    const missing = copied.filter((source) => !allowed.includes(source.replace(/\/$/, '')));
    expect(missing).toEqual([]);
  });
});
