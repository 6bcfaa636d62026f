/**
 * npm run bench:ack — Slack slash commands against the real build: signed `POST /slack/events`
 * (`/ops help`, answered inside the request, and `/ops page …`, queued) from an open-model
 * generator; time to the HTTP ack and to the threaded reply (the loopback fake Slack records each
 * chat.postMessage's arrival). The same figures for a bare Bolt app (Bolt's own HTTPReceiver, one
 * BullMQ job per command, a worker posting one threaded reply): the baseline.
 *
 * Env: BENCH_RATES (default "100,1000,2000" commands/s), BENCH_DURATION_S (30), BENCH_WARMUP_S (5),
 * BENCH_DRAIN_S (20), BENCH_SATURATION_S (10; 0 skips), BENCH_SATURATION_CONNECTIONS (64),
 * BENCH_BASELINE (1; 0 skips), BENCH_CONCURRENCY (queue.concurrency of the server, default 1000),
 * BENCH_SPLIT (1: Threadline as an ingress and a worker process instead of one `--role all`),
 * BENCH_MAX_OUTSTANDING (1000), BENCH_SKIP_BUILD=1, REDIS_URL (loopback only).
 *
 * Processes: this one (load generator), the fake Slack (a fork of this file), the server under
 * test (`node dist/cli/bin.js serve --role all`) or the baseline (a fork of this file). One Redis
 * sub-prefix per phase, deleted after it; every child stopped at the end, on error and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { slackSignature } from '../src/platforms/slack/verify.js';
import { FakeSlack, type RecordedRequest } from '../test/fakes/slack-api.js';
import type { HelperChild } from './lib/children.js';
import { envNumber, envNumbers, now, sleep } from './lib/env.js';
import { type Harness, runBench } from './lib/harness.js';
import { serveRpc } from './lib/ipc.js';
import { openLoad } from './lib/load.js';
import { deleteKeys } from './lib/redis.js';
import { ms, num, percentile, Samples, table } from './lib/stats.js';

const RATES = envNumbers('BENCH_RATES', [100, 1000, 2000]);
const DURATION_S = envNumber('BENCH_DURATION_S', 30, 1);
const WARMUP_S = envNumber('BENCH_WARMUP_S', 5, 0);
const DRAIN_S = envNumber('BENCH_DRAIN_S', 20, 0);
const SATURATION_S = envNumber('BENCH_SATURATION_S', 10, 0);
const SATURATION_CONNECTIONS = Math.round(envNumber('BENCH_SATURATION_CONNECTIONS', 64, 1));
const BASELINE = process.env.BENCH_BASELINE !== '0';
const CONCURRENCY = Math.round(envNumber('BENCH_CONCURRENCY', 1000, 1));
/** BENCH_SPLIT=1: Threadline as two processes, `--role ingress` and `--role worker`, instead of one `--role all`. */
const SPLIT = process.env.BENCH_SPLIT === '1';
const MAX_OUTSTANDING = Math.round(envNumber('BENCH_MAX_OUTSTANDING', 1_000, 1));
const CONNECTIONS = 64;
const REQUEST_TIMEOUT_MS = 10_000;
const GOAL_P99_MS = 100;

// One secret per run, shared with the forked children through the environment they inherit.
process.env.BENCH_ACK_SIGNING_SECRET ??= `bench-signing-${randomBytes(8).toString('hex')}`;
const SIGNING_SECRET = process.env.BENCH_ACK_SIGNING_SECRET;
const USER = 'UBENCH';
const TEAM = 'T0BENCH';

type System = 'threadline' | 'baseline';

interface FakeReady {
  type: 'ready';
  baseUrl: string;
  apiUrl: string;
  token: string;
}

interface Arrivals {
  parent: Float64Array;
  reply: Float64Array;
}

/* ---------------------------- the commands ----------------------------- */

/** Even sequence numbers ask for help (answered in the request), odd ones page (queued). */
function isPage(seq: number): boolean {
  return seq % 2 === 1;
}

/** Each command comes from a channel of its own, so Slack pacing never couples two commands. */
function channelOf(run: string, seq: number): string {
  return `C${run}-${seq}`;
}

function commandBody(run: string, seq: number, fakeBase: string): string {
  return new URLSearchParams({
    token: 'bench',
    team_id: TEAM,
    team_domain: 'bench',
    channel_id: channelOf(run, seq),
    channel_name: 'bench',
    user_id: USER,
    user_name: 'bench',
    command: '/ops',
    text: isPage(seq) ? `page svc${seq} "bench incident ${seq}"` : 'help',
    response_url: `${fakeBase}/response/${TEAM}/${run}-${seq}`,
    trigger_id: `${run}.${seq}.${randomBytes(4).toString('hex')}`,
    api_app_id: 'A0BENCH',
  }).toString();
}

class CommandClient {
  private readonly pool: Pool;

  constructor(
    url: string,
    private readonly fakeBase: string,
    connections: number,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  /** Resolves true on a 200 carrying the ephemeral answer. */
  async send(run: string, seq: number): Promise<boolean> {
    const body = commandBody(run, seq, this.fakeBase);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await this.pool.request({
      path: '/slack/events',
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
      },
      body,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.body.text();
    return response.statusCode === 200 && text.includes('"ephemeral"');
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/* ----------------------------- statistics ------------------------------ */

interface Percentiles {
  count: number;
  missing: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles with `missing` samples counted as never (Infinity). */
function percentiles(values: Float64Array, missing = 0): Percentiles {
  const all = new Float64Array(values.length + Math.max(0, missing));
  all.set(values);
  all.fill(Number.POSITIVE_INFINITY, values.length);
  all.sort();
  return {
    count: values.length,
    missing: Math.max(0, missing),
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    p999: percentile(all, 0.999),
    max: all.length ? all[all.length - 1]! : Number.NaN,
  };
}

interface RateResult {
  system: System;
  rate: number;
  measured: number;
  accepted: number;
  notAccepted: number;
  generatorLagP99: number;
  ackAll: Percentiles;
  ackHelp: Percentiles;
  ackPage: Percentiles;
  parent: Percentiles;
  reply: Percentiles;
}

interface SaturationResult {
  system: System;
  seconds: number;
  answered: number;
  errors: number;
  perSecond: number;
  latency: Percentiles;
}

/* ------------------------------- phases -------------------------------- */

interface Target {
  url: string;
  stop(): Promise<void>;
}

async function startThreadline(h: Harness, fake: FakeReady, prefix: string, label: string): Promise<Target> {
  const file = join(h.dir, `${label}.yaml`);
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', port: 0, shutdown_timeout_ms: 2_000 },
      redis: { url: h.redisUrl, prefix },
      logging: { level: 'warn' },
      security: { allow_private_networks: true },
      inbound: { events: { enabled: false } },
      queue: { concurrency: CONCURRENCY },
      platforms: {
        slack: {
          enabled: true,
          api_url: fake.apiUrl,
          bot_token: fake.token,
          signing_secret: SIGNING_SECRET,
        },
      },
      rbac: { roles: { responder: [`slack:${USER}`] } },
    }),
  );
  const servers = SPLIT
    ? [
        await h.children.startServer(`${label}-ingress`, file, 'ingress'),
        await h.children.startServer(`${label}-worker`, file, 'worker'),
      ]
    : [await h.children.startServer(label, file, 'all')];
  for (const server of servers) h.rss.watch(server.label, server.pid);
  return {
    url: servers[0]!.url,
    stop: async () => {
      for (const server of servers) {
        h.rss.unwatch(server.label);
        await h.children.stop(server.process);
      }
    },
  };
}

async function startBaseline(h: Harness, fake: FakeReady, prefix: string, label: string): Promise<Target> {
  const child: HelperChild<{ type: 'ready'; url: string }> = await h.children.fork(label, '../ack.bench.ts', [
    'baseline',
    JSON.stringify({ redisUrl: h.redisUrl, prefix, apiUrl: fake.apiUrl, token: fake.token }),
  ]);
  h.rss.watch(label, child.pid);
  return {
    url: child.ready.url,
    stop: async () => {
      h.rss.unwatch(label);
      await h.children.stop(child.process);
    },
  };
}

function start(system: System, h: Harness, fake: FakeReady, prefix: string, label: string): Promise<Target> {
  return system === 'threadline'
    ? startThreadline(h, fake, prefix, label)
    : startBaseline(h, fake, prefix, label);
}

async function ratePhase(
  h: Harness,
  fake: HelperChild<FakeReady>,
  system: System,
  rate: number,
): Promise<RateResult> {
  const run = `${system === 'threadline' ? 'T' : 'B'}${rate}r${randomBytes(2).toString('hex')}`;
  const prefix = `${h.prefix}:${run}`;
  const label = `${system}-${rate}`;
  const target = await start(system, h, fake.ready, prefix, label);
  const client = new CommandClient(target.url, fake.ready.baseUrl, CONNECTIONS);
  const scheduled = Math.round(rate * (WARMUP_S + DURATION_S));
  await fake.rpc.call('prepare', { run, count: scheduled });
  const ackHelp = new Samples();
  const ackPage = new Samples();
  h.log(
    `${label}: ${num(scheduled)} commands at ${num(rate)}/s (${WARMUP_S} s warm-up, ${DURATION_S} s measured)`,
  );
  try {
    const load = await openLoad({
      rate,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      maxOutstanding: MAX_OUTSTANDING,
      send: async (seq, t, warm) => {
        const ok = await client.send(run, seq);
        if (ok && !warm) (isPage(seq) ? ackPage : ackHelp).push(now() - t);
        return ok;
      },
    });
    const warmCount = Math.round(rate * WARMUP_S);
    const measuredPages = countPages(warmCount, scheduled);
    const measuredHelps = scheduled - warmCount - measuredPages;
    const acceptedPages = pagesIn(load.acceptedSeqs, 0, scheduled);

    // Drain: every accepted page's reply, or DRAIN_S after the last command.
    const drainUntil = now() + DRAIN_S * 1000;
    let progress = await fake.rpc.call<{ replies: number }>('progress', { run });
    while (progress.replies < acceptedPages && now() < drainUntil) {
      await sleep(250);
      progress = await fake.rpc.call<{ replies: number }>('progress', { run });
    }
    const arrivals = await fake.rpc.call<Arrivals>('arrivals', { run }, 30_000);
    const interval = 1000 / rate;
    const parent = new Samples();
    const reply = new Samples();
    for (let seq = warmCount; seq < scheduled; seq++) {
      if (!isPage(seq)) continue;
      const t = load.t0 + seq * interval;
      const p = arrivals.parent[seq] ?? 0;
      const r = arrivals.reply[seq] ?? 0;
      if (p > 0) parent.push(p - t);
      if (r > 0) reply.push(r - t);
    }
    const all = new Samples();
    for (const v of ackHelp.values()) all.push(v);
    for (const v of ackPage.values()) all.push(v);
    const measured = scheduled - warmCount;
    return {
      system,
      rate,
      measured,
      accepted: load.measuredAccepted,
      notAccepted: measured - load.measuredAccepted,
      generatorLagP99: load.sendLag.p99,
      ackAll: percentiles(all.values(), measured - all.length),
      ackHelp: percentiles(ackHelp.values(), measuredHelps - ackHelp.length),
      ackPage: percentiles(ackPage.values(), measuredPages - ackPage.length),
      // The baseline posts no card, only its one threaded reply.
      parent:
        system === 'threadline'
          ? percentiles(parent.values(), measuredPages - parent.length)
          : percentiles(new Float64Array(0)),
      reply: percentiles(reply.values(), measuredPages - reply.length),
    };
  } finally {
    await client.close();
    await target.stop();
    await fake.rpc.call('forget', { run });
    await deleteKeys(h.redis, prefix);
  }
}

/** Closed loop: SATURATION_CONNECTIONS senders, each sending its next command as soon as the last is answered. */
async function saturationPhase(
  h: Harness,
  fake: HelperChild<FakeReady>,
  system: System,
): Promise<SaturationResult> {
  const run = `${system === 'threadline' ? 'T' : 'B'}sat${randomBytes(2).toString('hex')}`;
  const prefix = `${h.prefix}:${run}`;
  const label = `${system}-saturation`;
  const target = await start(system, h, fake.ready, prefix, label);
  const client = new CommandClient(target.url, fake.ready.baseUrl, SATURATION_CONNECTIONS);
  h.log(`${label}: closed loop, ${SATURATION_CONNECTIONS} connections, ${SATURATION_S} s`);
  try {
    let seq = 0;
    let answered = 0;
    let errors = 0;
    const latency = new Samples();
    // A short warm-up, then the measured window.
    const warmUntil = now() + Math.min(WARMUP_S, 3) * 1000;
    const endAt = warmUntil + SATURATION_S * 1000;
    const loop = async () => {
      while (now() < endAt) {
        const sentAt = now();
        const mine = seq++;
        const ok = await client.send(run, mine).catch(() => false);
        const done = now();
        if (sentAt < warmUntil) continue;
        if (ok) {
          answered++;
          latency.push(done - sentAt);
        } else errors++;
      }
    };
    await Promise.all(Array.from({ length: SATURATION_CONNECTIONS }, loop));
    return {
      system,
      seconds: SATURATION_S,
      answered,
      errors,
      perSecond: answered / SATURATION_S,
      latency: percentiles(latency.values()),
    };
  } finally {
    await client.close();
    await target.stop();
    await deleteKeys(h.redis, prefix);
  }
}

function countPages(from: number, to: number): number {
  let count = 0;
  for (let seq = from; seq < to; seq++) if (isPage(seq)) count++;
  return count;
}

function pagesIn(accepted: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let seq = from; seq < to; seq++) if (isPage(seq) && accepted[seq]) count++;
  return count;
}

/* ------------------------------- report -------------------------------- */

function report(h: Harness, rates: RateResult[], saturation: SaturationResult[]): void {
  const row = (r: RateResult, kind: string, p: Percentiles) => [
    r.system,
    num(r.rate),
    kind,
    num(p.count + p.missing),
    num(p.missing),
    ms(p.p50),
    ms(p.p99),
    ms(p.p999),
    ms(p.max),
  ];
  h.log(
    '\nTime to the HTTP ack (scheduled send time → 200 with the ephemeral answer; not answered = never):',
  );
  h.log(
    table([
      ['system', 'rate/s', 'command', 'measured', 'not ok', 'p50', 'p99', 'p99.9', 'max'],
      ...rates.flatMap((r) =>
        r.system === 'threadline'
          ? [row(r, 'all', r.ackAll), row(r, 'help', r.ackHelp), row(r, 'page', r.ackPage)]
          : [row(r, 'all', r.ackAll)],
      ),
    ]),
  );
  h.log(
    '\nTime to the threaded reply of /ops page (scheduled send time → chat.postMessage at the fake Slack):',
  );
  h.log(
    table([
      [
        'system',
        'rate/s',
        'posted',
        'card p50',
        'card p99',
        'reply p50',
        'reply p99',
        'reply p99.9',
        'missing',
      ],
      ...rates.map((r) => [
        r.system,
        num(r.rate),
        r.system === 'threadline' ? 'card, then reply in its thread' : 'one threaded reply',
        r.system === 'threadline' ? ms(r.parent.p50) : '-',
        r.system === 'threadline' ? ms(r.parent.p99) : '-',
        ms(r.reply.p50),
        ms(r.reply.p99),
        ms(r.reply.p999),
        num(r.reply.missing),
      ]),
    ]),
  );
  h.log(
    `\nGenerator lag p99 (the bench's own lateness, included above): ${rates.map((r) => `${r.system} ${r.rate}/s ${ms(r.generatorLagP99)}`).join('; ')}`,
  );
  if (saturation.length > 0) {
    h.log('\nSaturation (closed loop; latency from the actual send):');
    h.log(
      table([
        ['system', 'connections', 'answered/s', 'errors', 'p50', 'p99', 'p99.9'],
        ...saturation.map((s) => [
          s.system,
          num(SATURATION_CONNECTIONS),
          num(s.perSecond),
          num(s.errors),
          ms(s.latency.p50),
          ms(s.latency.p99),
          ms(s.latency.p999),
        ]),
      ]),
    );
  }
  h.log('');
  for (const system of ['threadline', 'baseline'] as const) {
    const mine = rates.filter((r) => r.system === system);
    if (mine.length === 0) continue;
    const ackOk = mine.filter((r) => r.ackAll.p99 < GOAL_P99_MS).map((r) => r.rate);
    const replyOk = mine.filter((r) => r.reply.p99 < GOAL_P99_MS).map((r) => r.rate);
    h.log(
      `${system}: highest rate with ack p99 < ${GOAL_P99_MS} ms: ${ackOk.length ? `${num(Math.max(...ackOk))}/s` : 'none of those run'}; ` +
        `with threaded-reply p99 < ${GOAL_P99_MS} ms: ${replyOk.length ? `${num(Math.max(...replyOk))}/s` : 'none of those run'}`,
    );
  }
  h.log(
    'Threadline posts the incident card and then its reply into the same channel, and paces every channel to one message a second (Slack’s limit), so its reply lands about 1 s after the card by design.',
  );
}

/* ------------------------------ children ------------------------------- */

/** The fake Slack: records when each command's card and threaded reply arrive, per run and sequence number. */
async function fakeSlackChild(): Promise<void> {
  const runs = new Map<string, Arrivals & { replies: number }>();
  const onRequest = (request: RecordedRequest) => {
    if (request.path !== '/api/chat.postMessage') return;
    const body = request.json as { channel?: string; thread_ts?: string } | undefined;
    const match = /^C([A-Za-z0-9]+)-(\d+)$/.exec(body?.channel ?? '');
    if (!match) return;
    const run = runs.get(match[1]!);
    const seq = Number(match[2]);
    if (!run || seq >= run.reply.length) return;
    if (body?.thread_ts) {
      if (run.reply[seq] === 0) {
        run.reply[seq] = request.at;
        run.replies++;
      }
    } else if (run.parent[seq] === 0) run.parent[seq] = request.at;
  };
  const slack = await FakeSlack.start({ channels: ['*'], record: false, onRequest });
  serveRpc(
    {
      prepare: (params) => {
        const { run, count } = params as { run: string; count: number };
        runs.set(run, { parent: new Float64Array(count), reply: new Float64Array(count), replies: 0 });
        return true;
      },
      progress: (params) => ({ replies: runs.get((params as { run: string }).run)?.replies ?? 0 }),
      arrivals: (params) => {
        const run = runs.get((params as { run: string }).run);
        return { parent: run?.parent ?? new Float64Array(0), reply: run?.reply ?? new Float64Array(0) };
      },
      forget: (params) => runs.delete((params as { run: string }).run),
    },
    { baseUrl: slack.baseUrl, apiUrl: slack.apiUrl, token: slack.token },
  );
}

/** The baseline: Bolt's own HTTPReceiver; every command becomes one BullMQ job and an ephemeral ack; a worker posts one threaded reply. */
async function baselineChild(options: {
  redisUrl: string;
  prefix: string;
  apiUrl: string;
  token: string;
}): Promise<void> {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('baseline', { connection, prefix: options.prefix });
  const api = new URL(options.apiUrl);
  const slack = new Pool(api.origin, { connections: 32, pipelining: 1 });
  const worker = new Worker(
    'baseline',
    async (job) => {
      const response = await slack.request({
        path: `${api.pathname}chat.postMessage`,
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': 'application/json; charset=utf-8',
        },
        body: JSON.stringify({ channel: job.data.channel, thread_ts: '1700000000.000100', text: 'done' }),
      });
      await response.body.dump();
    },
    { connection: workerConnection, prefix: options.prefix, concurrency: 50 },
  );
  const app = new App({
    signingSecret: SIGNING_SECRET,
    authorize: async () => ({ botToken: options.token }),
    ignoreSelf: false,
    convoStore: false,
    logLevel: LogLevel.ERROR,
  });
  app.command('/ops', async ({ command, ack }) => {
    await queue.add(
      'command',
      { channel: command.channel_id, text: command.text },
      { removeOnComplete: true, removeOnFail: true },
    );
    await ack({ response_type: 'ephemeral', text: '⏳ Working on it…' });
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const { port } = server.address() as AddressInfo;
  process.on('SIGTERM', () => {
    void Promise.allSettled([app.stop(), worker.close(), queue.close(), slack.close()]).finally(() => {
      connection.disconnect();
      workerConnection.disconnect();
      process.exit(0);
    });
  });
  serveRpc({}, { url: `http://127.0.0.1:${port}` });
}

/* -------------------------------- main --------------------------------- */

async function main(): Promise<void> {
  await runBench('ack', async (h) => {
    const fake = await h.children.fork<FakeReady>('fake-slack', '../ack.bench.ts', ['fake-slack']);
    h.rss.watch('fake-slack', fake.pid);
    const systems: System[] = BASELINE ? ['threadline', 'baseline'] : ['threadline'];
    const rates: RateResult[] = [];
    const saturation: SaturationResult[] = [];
    for (const system of systems) {
      for (const rate of RATES) {
        const result = await ratePhase(h, fake, system, rate);
        rates.push(result);
        h.log(
          `  ack p50/p99/p99.9 ${ms(result.ackAll.p50)} / ${ms(result.ackAll.p99)} / ${ms(result.ackAll.p999)}; ` +
            `reply p50/p99 ${ms(result.reply.p50)} / ${ms(result.reply.p99)}; not ok ${num(result.notAccepted)}`,
        );
      }
      if (SATURATION_S > 0) saturation.push(await saturationPhase(h, fake, system));
    }
    report(h, rates, saturation);
    const peaks = h.rss.snapshot();
    h.log(
      `\nPeak RSS: ${Object.entries(peaks)
        .map(([label, bytes]) => `${label} ${(bytes / 1024 / 1024).toFixed(0)} MB`)
        .join(', ')}`,
    );
  });
}

const role = process.argv[2];
if (role === 'fake-slack') await fakeSlackChild();
else if (role === 'baseline') await baselineChild(JSON.parse(process.argv[3] ?? '{}'));
else await main();
