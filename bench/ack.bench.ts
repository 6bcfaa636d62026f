/**
 * npm run bench:ack — chat commands against the real build, per platform (BENCH_PLATFORMS,
 * default "slack,discord", run in that order):
 *  - Slack: signed `POST /slack/events` slash commands;
 *  - Discord: Ed25519-signed `POST /discord/interactions` APPLICATION_COMMANDs;
 * each half `/ops help` (answered inside the request) and half `/ops page …` (queued), from an
 * open-model generator; time to the HTTP answer and to the threaded reply (a loopback fake of the
 * platform's API records each message's arrival). The same figures for a bare baseline that
 * verifies the signature, enqueues one BullMQ job and answers, with a worker posting one reply
 * (Slack: a Bolt app with its own HTTPReceiver; Discord: node:http answering type 5).
 * Platform specifics live in bench/lib/ack-slack.ts and bench/lib/ack-discord.ts.
 *
 * Env: BENCH_PLATFORMS ("slack,discord"), BENCH_RATES (default "100,1000,2000" per second),
 * BENCH_DURATION_S (30), BENCH_WARMUP_S (5), BENCH_DRAIN_S (20), BENCH_SATURATION_S (10; 0 skips),
 * BENCH_SATURATION_CONNECTIONS (64), BENCH_BASELINE (1; 0 skips), BENCH_CONCURRENCY
 * (queue.concurrency of the server, default 1000), BENCH_CHAT_CONCURRENCY (queue.chat_concurrency,
 * default the server's own), BENCH_SPLIT (1: Threadline as an ingress and a
 * worker process instead of one `--role all`), BENCH_MAX_OUTSTANDING (1000), BENCH_SKIP_BUILD=1,
 * REDIS_URL (loopback only).
 *
 * Processes: this one (load generator), the platform's fake API (a fork of this file, one per
 * platform), the server under test (`node dist/src/cli/bin.js serve --role all`) or the baseline (a
 * fork of this file). One Redis sub-prefix per phase, deleted after it; every child stopped at the
 * end, on error and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { discordAck, discordBaselineChild, fakeDiscordChild } from './lib/ack-discord.js';
import type { AckPlatform, Arrivals, FakeReady, PlatformName, PrepareParams } from './lib/ack-platform.js';
import { isPage } from './lib/ack-platform.js';
import { fakeSlackChild, slackAck, slackBaselineChild } from './lib/ack-slack.js';
import type { HelperChild } from './lib/children.js';
import { envNumber, envNumbers, now, sleep } from './lib/env.js';
import { type Harness, runBench } from './lib/harness.js';
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
/** Sequence numbers (and Discord channels) prepared for a closed-loop saturation phase. */
const SATURATION_SEQS = 100_000;

const PLATFORMS: Record<PlatformName, AckPlatform> = {
  slack: slackAck as unknown as AckPlatform,
  discord: discordAck as unknown as AckPlatform,
};

function platformsToRun(): AckPlatform[] {
  const raw = process.env.BENCH_PLATFORMS?.trim() || 'slack,discord';
  const names = raw.split(/[\s,]+/).filter(Boolean);
  for (const name of names) {
    if (!(name in PLATFORMS))
      throw new Error(`BENCH_PLATFORMS=${raw}: unknown platform ${name} (slack, discord)`);
  }
  return [...new Set(names)].map((name) => PLATFORMS[name as PlatformName]);
}

type System = 'threadline' | 'baseline';

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

/** One platform's run: its description and its fake API child. */
interface Bench {
  h: Harness;
  platform: AckPlatform;
  fake: HelperChild<FakeReady>;
}

async function startThreadline(b: Bench, prefix: string, label: string): Promise<Target> {
  const { h } = b;
  const file = join(h.dir, `${label}.yaml`);
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', port: 0, shutdown_timeout_ms: 2_000 },
      redis: { url: h.redisUrl, prefix },
      logging: { level: 'warn' },
      security: { allow_private_networks: true },
      inbound: { events: { enabled: false } },
      queue: {
        concurrency: CONCURRENCY,
        ...(process.env.BENCH_CHAT_CONCURRENCY
          ? { chat_concurrency: Number(process.env.BENCH_CHAT_CONCURRENCY) }
          : {}),
      },
      ...b.platform.threadlineConfig(b.fake.ready),
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

async function startBaseline(b: Bench, prefix: string, label: string): Promise<Target> {
  const { h } = b;
  const child: HelperChild<{ type: 'ready'; url: string }> = await h.children.fork(label, '../ack.bench.ts', [
    b.platform.baselineRole,
    JSON.stringify({ redisUrl: h.redisUrl, prefix, ...b.platform.baselineOptions(b.fake.ready) }),
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

function start(b: Bench, system: System, prefix: string, label: string): Promise<Target> {
  return system === 'threadline' ? startThreadline(b, prefix, label) : startBaseline(b, prefix, label);
}

/** A phase's run name (also its Redis sub-prefix): platform, system, rate and a random tail. */
function runName(b: Bench, system: System, what: string): string {
  return `${b.platform.name === 'slack' ? 'S' : 'D'}${system === 'threadline' ? 'T' : 'B'}${what}r${randomBytes(2).toString('hex')}`;
}

async function ratePhase(b: Bench, system: System, rate: number): Promise<RateResult> {
  const { h, fake, platform } = b;
  const run = runName(b, system, String(rate));
  const prefix = `${h.prefix}:${run}`;
  const label = `${platform.name}-${system}-${rate}`;
  const scheduled = Math.round(rate * (WARMUP_S + DURATION_S));
  const target = await start(b, system, prefix, label);
  let client: ReturnType<AckPlatform['client']> | undefined;
  const ackHelp = new Samples();
  const ackPage = new Samples();
  h.log(
    `${label}: ${num(scheduled)} ${platform.unit} at ${num(rate)}/s (${WARMUP_S} s warm-up, ${DURATION_S} s measured)`,
  );
  try {
    const prepared = await fake.rpc.call('prepare', {
      run,
      count: scheduled,
      system,
    } satisfies PrepareParams);
    client = platform.client({
      url: target.url,
      fake: fake.ready,
      run,
      prepared,
      connections: CONNECTIONS,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const sender = client;
    const load = await openLoad({
      rate,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      maxOutstanding: MAX_OUTSTANDING,
      send: async (seq, t, warm) => {
        const ok = await sender.send(seq);
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
      // The baseline posts no card, only its one reply.
      parent:
        system === 'threadline'
          ? percentiles(parent.values(), measuredPages - parent.length)
          : percentiles(new Float64Array(0)),
      reply: percentiles(reply.values(), measuredPages - reply.length),
    };
  } finally {
    await client?.close();
    await target.stop();
    await fake.rpc.call('forget', { run }, 30_000);
    await deleteKeys(h.redis, prefix);
  }
}

/** Closed loop: SATURATION_CONNECTIONS senders, each sending its next command as soon as the last is answered. */
async function saturationPhase(b: Bench, system: System): Promise<SaturationResult> {
  const { h, fake, platform } = b;
  const run = runName(b, system, 'sat');
  const prefix = `${h.prefix}:${run}`;
  const label = `${platform.name}-${system}-saturation`;
  const target = await start(b, system, prefix, label);
  let client: ReturnType<AckPlatform['client']> | undefined;
  h.log(`${label}: closed loop, ${SATURATION_CONNECTIONS} connections, ${SATURATION_S} s`);
  try {
    const prepared = await fake.rpc.call('prepare', {
      run,
      count: SATURATION_SEQS,
      system,
    } satisfies PrepareParams);
    client = platform.client({
      url: target.url,
      fake: fake.ready,
      run,
      prepared,
      connections: SATURATION_CONNECTIONS,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const sender = client;
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
        const ok = await sender.send(mine).catch(() => false);
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
    await client?.close();
    await target.stop();
    await fake.rpc.call('forget', { run }, 30_000);
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

function report(
  h: Harness,
  platform: AckPlatform,
  rates: RateResult[],
  saturation: SaturationResult[],
): void {
  h.log(`\n=== ${platform.name}: ${platform.unit} ===`);
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
  h.log(`\nTime to the HTTP answer (${platform.text.ack}; not answered = never):`);
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
  h.log(`\nTime to the threaded reply of /ops page (${platform.text.reply}):`);
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
        r.system === 'threadline' ? 'card, then reply in its thread' : platform.text.baselineReply,
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
  h.log(platform.text.note);
}

/* -------------------------------- main --------------------------------- */

async function runPlatform(h: Harness, platform: AckPlatform): Promise<void> {
  const label = `fake-${platform.name}`;
  const fake = await h.children.fork<FakeReady>(label, '../ack.bench.ts', [platform.fakeRole]);
  h.rss.watch(label, fake.pid);
  const b: Bench = { h, platform, fake };
  try {
    const systems: System[] = BASELINE ? ['threadline', 'baseline'] : ['threadline'];
    const rates: RateResult[] = [];
    const saturation: SaturationResult[] = [];
    for (const system of systems) {
      for (const rate of RATES) {
        const result = await ratePhase(b, system, rate);
        rates.push(result);
        h.log(
          `  ack p50/p99/p99.9 ${ms(result.ackAll.p50)} / ${ms(result.ackAll.p99)} / ${ms(result.ackAll.p999)}; ` +
            `reply p50/p99 ${ms(result.reply.p50)} / ${ms(result.reply.p99)}; not ok ${num(result.notAccepted)}`,
        );
      }
      if (SATURATION_S > 0) saturation.push(await saturationPhase(b, system));
    }
    report(h, platform, rates, saturation);
  } finally {
    h.rss.unwatch(label);
    await h.children.stop(fake.process);
  }
}

async function main(): Promise<void> {
  const platforms = platformsToRun();
  await runBench('ack', async (h) => {
    h.log(`platforms: ${platforms.map((p) => p.name).join(', ')}`);
    for (const platform of platforms) await runPlatform(h, platform);
    const peaks = h.rss.snapshot();
    h.log(
      `\nPeak RSS: ${Object.entries(peaks)
        .map(([label, bytes]) => `${label} ${(bytes / 1024 / 1024).toFixed(0)} MB`)
        .join(', ')}`,
    );
  });
}

const role = process.argv[2];
const childOptions = () => JSON.parse(process.argv[3] ?? '{}');
if (role === 'fake-slack') await fakeSlackChild();
else if (role === 'fake-discord') await fakeDiscordChild();
else if (role === 'baseline-slack') await slackBaselineChild(childOptions());
else if (role === 'baseline-discord') await discordBaselineChild(childOptions());
else await main();
