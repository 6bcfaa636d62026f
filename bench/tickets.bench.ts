/**
 * npm run bench:tickets (issue 9) — N signed `spec_created` events, each fanned out to all five
 * trackers (Jira, GitHub Projects, Linear, Azure DevOps, Microsoft Planner), whose loopback fakes
 * answer every request after BENCH_TRACKER_DELAY_MS. Prints the completion time (first post → last
 * ticket created), the most requests in flight at once at each tracker, tickets created,
 * duplicates (a spec with more than one ticket at a tracker; must be 0) and missing tickets.
 *
 * Env: BENCH_EVENTS (1000), BENCH_TRACKER_DELAY_MS (50), BENCH_TIMEOUT_S (300: wait for the last
 * ticket), BENCH_CONCURRENCY (queue.concurrency, default: the server's default), BENCH_SKIP_BUILD=1,
 * REDIS_URL (loopback only). See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { envNumber, now, sleep } from './lib/env.js';
import { type Harness, runBench } from './lib/harness.js';
import { deleteKeys } from './lib/redis.js';
import { mb, ms, num, table } from './lib/stats.js';
import { sign } from './lib/threadline.js';
import type { TicketFakesReady, Tracker, TrackerFigures } from './lib/ticket-fakes.js';

const EVENTS = Math.round(envNumber('BENCH_EVENTS', 1_000, 1));
const DELAY_MS = envNumber('BENCH_TRACKER_DELAY_MS', 50, 0);
const TIMEOUT_S = envNumber('BENCH_TIMEOUT_S', 300, 1);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? envNumber('BENCH_CONCURRENCY', 50, 1) : undefined;
const POST_CONNECTIONS = 32;

type Figures = Record<Tracker, TrackerFigures>;

function writeTicketConfig(h: Harness, fakes: TicketFakesReady, prefix: string, secret: string): string {
  const integrations = Object.fromEntries(
    Object.entries(fakes.integrations).map(([key, settings]) => [key, { enabled: true, ...settings }]),
  );
  const config = {
    server: { host: '127.0.0.1', port: 0, shutdown_timeout_ms: 2_000 },
    redis: { url: h.redisUrl, prefix },
    logging: { level: 'warn' },
    security: { allow_private_networks: true },
    inbound: { events: { enabled: true, secret } },
    queue: CONCURRENCY === undefined ? {} : { concurrency: CONCURRENCY },
    integrations,
  };
  const path = join(h.dir, 'tickets.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

function specEvent(run: string, specPrefix: string, seq: number): string {
  return JSON.stringify({
    id: `${run}-${seq}`,
    event: 'spec_created',
    spec: { id: `${specPrefix}-${seq}`, title: `Benchmark spec ${seq}`, status: 'draft' },
    repository: { owner: 'threadline', name: 'bench' },
    branch: 'main',
  });
}

/** Posts every event (POST_CONNECTIONS at a time); the statuses that came back. */
async function postAll(
  url: string,
  secret: string,
  run: string,
  specPrefix: string,
): Promise<Map<number, number>> {
  const pool = new Pool(url, { connections: POST_CONNECTIONS, pipelining: 1 });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) {
      const seq = next++;
      const body = specEvent(run, specPrefix, seq);
      const response = await pool.request({
        path: '/hooks/events',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature-256': sign(secret, body) },
        body,
      });
      await response.body.dump();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: POST_CONNECTIONS }, worker));
  } finally {
    await pool.destroy();
  }
  return statuses;
}

function created(f: TrackerFigures): number {
  return Object.keys(f.perSpec).length;
}

await runBench('bench-tickets', async (h) => {
  const run = `t${randomBytes(3).toString('hex')}`;
  const specPrefix = `TKB${run}`;
  const prefix = `${h.prefix}:${run}`;
  const secret = randomBytes(16).toString('hex');
  h.log(
    `${num(EVENTS)} spec_created events × 5 trackers, each fake answering after ${DELAY_MS} ms; queue.concurrency ${CONCURRENCY ?? 'server default'}; timeout ${TIMEOUT_S} s`,
  );
  const fakes = await h.children.fork<TicketFakesReady>('tracker-fakes', 'ticket-fakes.ts', [
    JSON.stringify({ delayMs: DELAY_MS, specPrefix }),
  ]);
  h.rss.watch('fakes', fakes.pid);
  Object.assign(process.env, fakes.ready.env);
  const config = writeTicketConfig(h, fakes.ready, prefix, secret);
  const server = await h.children.startServer('server', config, 'all');
  h.rss.watch('server', server.pid);
  // Ctrl-C reaches the fakes child too: a poll after it has gone must fail, not crash the cleanup.
  fakes.process.on('error', (error) => h.log(`tracker fakes: ${error.message}`));
  const read = () => {
    if (!fakes.process.connected) return Promise.reject(new Error('the tracker fakes child has exited'));
    return fakes.rpc.call<Figures>('figures');
  };
  try {
    const start = now();
    const statuses = await postAll(server.url, secret, run, specPrefix);
    const postedIn = now() - start;
    const accepted = statuses.get(202) ?? 0;
    h.log(
      `posted      ${num(EVENTS)} events in ${ms(postedIn)}; answers ${[...statuses].map(([c, n]) => `${c}×${num(n)}`).join(', ')}`,
    );
    const deadline = start + TIMEOUT_S * 1000;
    let figures = await read();
    const done = (f: Figures) => Object.values(f).every((t) => created(t) >= accepted);
    while (!done(figures) && now() < deadline) {
      await sleep(250);
      figures = await read();
    }
    // Late duplicates (a retry landing after the last first ticket) would show here.
    await sleep(2_000);
    figures = await read();
    printFigures(h, figures, start, accepted, done(figures));
    h.log(
      `RSS peak    ${Object.entries(h.rss.snapshot())
        .map(([label, bytes]) => `${label} ${mb(bytes)}`)
        .join(', ')}`,
    );
  } finally {
    h.rss.unwatch('server');
    await h.children.stop(server.process);
    await h.children.stop(fakes.process);
    await deleteKeys(h.redis, prefix);
  }
});

function printFigures(
  h: Harness,
  figures: Figures,
  start: number,
  expected: number,
  complete: boolean,
): void {
  const rows = [
    [
      'tracker',
      'completion',
      'peak in flight',
      'requests',
      'create calls',
      'tickets',
      'duplicates',
      'missing',
    ],
  ];
  let last = 0;
  let duplicates = 0;
  let missing = 0;
  for (const [tracker, f] of Object.entries(figures) as Array<[Tracker, TrackerFigures]>) {
    const dup = Object.values(f.perSpec).filter((n) => n > 1).length;
    const miss = Math.max(0, expected - created(f));
    duplicates += dup;
    missing += miss;
    last = Math.max(last, f.lastCreateAt);
    rows.push([
      tracker,
      f.lastCreateAt ? `${((f.lastCreateAt - start) / 1000).toFixed(2)} s` : 'n/a',
      num(f.peakInFlight),
      num(f.requests),
      num(f.creates),
      num(created(f)),
      num(dup),
      num(miss),
    ]);
  }
  h.log(table(rows));
  h.log(
    `overall     ${complete ? 'all tickets created' : `TIMED OUT after ${TIMEOUT_S} s`}; completion (first post → last ticket created) ${((last - start) / 1000).toFixed(2)} s; duplicates ${num(duplicates)} (must be 0); missing ${num(missing)}`,
  );
  h.log(
    '(peak in flight = most requests open at once at that fake, any endpoint; requests = all of them, lookups included; duplicates = specs with more than one ticket at a tracker)',
  );
}
