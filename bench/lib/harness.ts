import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ensureBuilt } from './build.js';
import { Children } from './children.js';
import { ROOT, redisUrl, runPrefix } from './env.js';
import { deleteKeys, openRedis } from './redis.js';
import { RssSampler } from './rss.js';

export interface Harness {
  /** Temp dir for configs and child logs. */
  dir: string;
  /** This run's Redis key prefix; every key of the run lives under `<prefix>:`. */
  prefix: string;
  redisUrl: string;
  redis: Redis;
  children: Children;
  rss: RssSampler;
  log: (line: string) => void;
}

/**
 * Builds if needed, then runs `body` with a temp dir, a Redis prefix of its own and a child
 * registry; whatever happens (error, Ctrl-C) every child is stopped and the prefix's keys deleted.
 */
export async function runBench(name: string, body: (h: Harness) => Promise<void>): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), `threadline-${name}-`));
  const url = redisUrl();
  const prefix = runPrefix();
  const children = new Children(dir);
  const rss = new RssSampler();
  const redis = openRedis(url);
  let failed = false;

  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      rss.stop();
      await children.stopAll();
      try {
        const removed = await deleteKeys(redis, prefix);
        log(`cleanup: deleted ${removed} Redis key(s) under ${prefix}:`);
      } catch (error) {
        log(`cleanup: could not delete keys under ${prefix}: (${(error as Error).message})`);
      }
      redis.disconnect();
      if (failed) log(`logs of the child processes kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    })();
    return cleaning;
  };
  // Stays registered for the whole run: wrappers (npm, tsx) relay Ctrl-C a second time, and a
  // signal with no listener would end the process before the cleanup is done.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return log(`${signal}: still cleaning up`);
    signalled = true;
    log(`\n${signal}: stopping`);
    failed = true;
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const build = ensureBuilt(log);
    await redis.ping();
    rss.watch('bench', process.pid);
    rss.start();
    log(`${name}: Redis ${url}, key prefix ${prefix}, temp dir ${dir}`);
    log(
      `build: dist/ ${build === 'skipped' ? 'not checked (BENCH_SKIP_BUILD=1)' : 'up to date with'} ${describeBuild()}; node ${process.version}; ${os.availableParallelism()} cores`,
    );
    await body({ dir, prefix, redisUrl: url, redis, children, rss, log });
  } catch (error) {
    failed = true;
    process.exitCode = 1;
    log(`\n${name} failed: ${(error as Error).stack ?? error}`);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Which sources dist/ was built from, as far as git can tell. */
function describeBuild(): string {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  const dirty = git('status', '--porcelain', '--', 'src').length > 0;
  const bin = process.env.BENCH_SERVER_BIN ? ` (server: ${process.env.BENCH_SERVER_BIN})` : '';
  return `${commit}${dirty ? ' + uncommitted changes in src/' : ''}${bin}`;
}
