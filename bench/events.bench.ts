/**
 * npm run bench:events — throughput and latency of the event pipeline
 * (POST /hooks/events → events queue → router → deliveries.<key> → webhook receivers),
 * next to a bare BullMQ producer/worker pair (the ceiling), plus Redis memory per queued event.
 *
 * Env: BENCH_RATES (default "1000,2000"), BENCH_DURATION_S (30), BENCH_WARMUP_S (5),
 * BENCH_DRAIN_S (10), BENCH_MEMORY_EVENTS (20000, 0 skips), BENCH_CEILING (1, 0 skips the ceiling), BENCH_CONCURRENCY (queue.concurrency,
 * default: the server's default), BENCH_MAX_OUTSTANDING (1000 unanswered POSTs, then events are shed),
 * BENCH_SKIP_BUILD=1, REDIS_URL (loopback only).
 * See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Queue } from 'bullmq';
import type { HelperChild } from './lib/children.js';
import { envNumber, envNumbers, now, sleep } from './lib/env.js';
import { type Harness, runBench } from './lib/harness.js';
import type { RpcClient } from './lib/ipc.js';
import { type OpenLoadResult, openLoad } from './lib/load.js';
import type { ReceiverReady } from './lib/receiver.js';
import type { RunStats } from './lib/recorder.js';
import {
  Backlog,
  deleteKeys,
  keyspaceMemory,
  openRedis,
  type RedisCounters,
  redisCounters,
  usedMemory,
} from './lib/redis.js';
import { cpuSeconds, machineCpu } from './lib/rss.js';
import { mb, ms, num, type Summary, slope, table } from './lib/stats.js';
import { EventPoster, writeConfig } from './lib/threadline.js';

const RATES = envNumbers('BENCH_RATES', [1000, 2000]);
const DURATION_S = envNumber('BENCH_DURATION_S', 30, 1);
const WARMUP_S = envNumber('BENCH_WARMUP_S', 5, 0);
const DRAIN_S = envNumber('BENCH_DRAIN_S', 10, 0);
const MEMORY_EVENTS = Math.round(envNumber('BENCH_MEMORY_EVENTS', 20_000, 0));
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? envNumber('BENCH_CONCURRENCY', 50, 1) : undefined;
const CEILING = process.env.BENCH_CEILING !== '0';
const ENDPOINTS = ['receiver-a', 'receiver-b', 'receiver-c'];
const CEILING_CONCURRENCY = 50;
const MAX_OUTSTANDING = Math.round(envNumber('BENCH_MAX_OUTSTANDING', 1_000, 1));

const GOAL_RATE = 2000;
const GOAL_P99_RATE = 1000;
const GOAL_P99_MS = 100;
const GOAL_RSS_BYTES = 250 * 1024 * 1024;

interface BacklogSnapshot {
  events: number;
  deliveries: number;
  detail: string;
}

interface RunResult {
  kind: 'threadline' | 'ceiling';
  rate: number;
  /** Deliveries per event: 3 receivers, or 1 for the ceiling's single queue. */
  fanOut: number;
  load: Omit<OpenLoadResult, 'acceptedSeqs'>;
  delivered: RunStats;
  deliveriesPerS: number;
  expectedDeliveries: number;
  missingAfterDrain: number;
  /** Deliveries of events whose send never saw an acceptance (a timed-out POST the server had stored). */
  deliveredWithoutAck: number;
  backlogAtEnd: BacklogSnapshot;
  backlogAfterDrain: BacklogSnapshot;
  /** Least-squares growth of the total backlog over the measured window, jobs/s. */
  backlogSlope: number;
  backlogMax: number;
  rss: Record<string, number>;
  usage: Usage;
}

interface UsageMark {
  at: number;
  machine: { busy: number; total: number };
  cpu: Record<string, number | undefined>;
  redis: RedisCounters;
}

interface Usage {
  seconds: number;
  events: number;
  /** CPU seconds per process label over the load (events = accepted events). */
  cpu: Record<string, number>;
  redis: RedisCounters;
  /** Share of the whole machine's CPU (all cores) that was busy, any process, softirq included. */
  machineBusy: number;
}

/** CPU of our processes (read at once) and Redis' counters. */
async function usageMark(h: Harness, pids: Record<string, number>): Promise<UsageMark> {
  const at = now();
  const cpu = Object.fromEntries(Object.entries(pids).map(([label, pid]) => [label, cpuSeconds(pid)]));
  return { at, machine: machineCpu(), cpu, redis: await redisCounters(h.redis) };
}

function usageBetween(a: UsageMark, b: UsageMark, events: number): Usage {
  const cpu: Record<string, number> = {};
  for (const [label, end] of Object.entries(b.cpu)) {
    const start = a.cpu[label];
    if (start !== undefined && end !== undefined) cpu[label] = end - start;
  }
  return {
    seconds: (b.at - a.at) / 1000,
    events,
    machineBusy: (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total),
    cpu,
    redis: {
      commands: b.redis.commands - a.redis.commands,
      scripts: b.redis.scripts - a.redis.scripts,
      cpuSeconds: b.redis.cpuSeconds - a.redis.cpuSeconds,
    },
  };
}

interface MemoryResult {
  posted: number;
  queued: number;
  usedBefore: number;
  usedAfter: number;
  keyspace: { keys: number; bytes: number };
  serverRss: number | undefined;
}

function snapshot(
  counts: Record<string, { waiting: number; active: number; delayed: number }>,
): BacklogSnapshot {
  let events = 0;
  let deliveries = 0;
  const parts: string[] = [];
  for (const [name, c] of Object.entries(counts)) {
    const total = c.waiting + c.active + c.delayed;
    if (name.startsWith('deliveries.')) deliveries += total;
    else events += total;
    parts.push(`${name} ${c.waiting}/${c.active}/${c.delayed}`);
  }
  return { events, deliveries, detail: parts.join(', ') };
}

/** Samples the total backlog once a second until stopped. */
function sampleBacklog(backlog: Backlog): { stop: () => Promise<Array<[number, number]>> } {
  const points: Array<[number, number]> = [];
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    busy = backlog.total().then(
      (total) => {
        points.push([now(), total]);
      },
      () => undefined,
    );
  }, 1_000);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      return points;
    },
  };
}

interface MeasureSpec {
  kind: RunResult['kind'];
  rate: number;
  run: string;
  fanOut: number;
  /** The process that records arrivals (receivers or the ceiling worker). */
  consumer: RpcClient;
  pids: Record<string, number>;
  backlog: Backlog;
  send: (seq: number, t: number, warm: boolean) => Promise<boolean>;
}

/** One open-model load against a running consumer, then the drain and the figures. */
async function measure(h: Harness, spec: MeasureSpec): Promise<RunResult> {
  const { run, fanOut, consumer, backlog } = spec;
  h.rss.reset();
  const sampler = sampleBacklog(backlog);
  let atEnd: Promise<BacklogSnapshot> | undefined;
  let usageEnd: Promise<UsageMark> | undefined;
  const usageStart = await usageMark(h, spec.pids);
  const load = await openLoad({
    rate: spec.rate,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    maxOutstanding: MAX_OUTSTANDING,
    send: spec.send,
    onLastSent: () => {
      usageEnd = usageMark(h, spec.pids);
      atEnd = backlog.counts().then(snapshot);
    },
  });
  const backlogAtEnd = await atEnd!;
  const usage = usageBetween(usageStart, await usageEnd!, load.accepted);

  // Drain: until every delivery of every accepted event has arrived, or DRAIN_S after the last send.
  await consumer.call('setAccepted', { run, accepted: load.acceptedSeqs });
  const check = () => consumer.call<{ missing: number; withoutAck: number }>('check', { run, slots: fanOut });
  let checked = await check();
  while (checked.missing > 0 && now() < load.measureTo + DRAIN_S * 1000) {
    await sleep(200);
    checked = await check();
  }
  const points = await sampler.stop();
  const delivered = await consumer.call<RunStats>('stats', {
    run,
    from: load.measureFrom,
    to: load.measureTo,
    expectedMeasured: load.measuredScheduled * fanOut,
  });
  const backlogAfterDrain = snapshot(await backlog.counts());
  const measured = points.filter(([t]) => t >= load.measureFrom && t <= load.measureTo);
  const { acceptedSeqs: _seqs, ...loadFigures } = load;
  const result: RunResult = {
    kind: spec.kind,
    rate: spec.rate,
    fanOut,
    load: loadFigures,
    delivered,
    deliveriesPerS: delivered.inWindow / DURATION_S,
    expectedDeliveries: load.accepted * fanOut,
    missingAfterDrain: checked.missing,
    deliveredWithoutAck: checked.withoutAck,
    backlogAtEnd,
    backlogAfterDrain,
    backlogSlope: slope(measured.map(([t, v]) => [t / 1000, v] as const)),
    backlogMax: Math.max(0, ...measured.map(([, v]) => v)),
    rss: h.rss.snapshot(),
    usage,
  };
  printRun(h, result);
  return result;
}

async function threadlineRun(
  h: Harness,
  receivers: HelperChild<ReceiverReady>,
  rate: number,
): Promise<RunResult> {
  const run = `r${rate}-${randomBytes(3).toString('hex')}`;
  const prefix = `${h.prefix}:${run}`;
  const secret = randomBytes(16).toString('hex');
  const config = writeConfig({
    dir: h.dir,
    file: `events-${rate}.yaml`,
    redisUrl: h.redisUrl,
    prefix,
    secret,
    endpoints: ENDPOINTS.map((name, i) => ({
      name,
      url: `http://127.0.0.1:${receivers.ready.ports[i]}/hook`,
    })),
    concurrency: CONCURRENCY,
  });
  const server = await h.children.startServer(`server-${rate}`, config, 'all');
  h.rss.watch('server', server.pid);
  const backlog = new Backlog(h.redis, prefix, [
    'events',
    ...ENDPOINTS.map((n) => `deliveries.webhooks.${n}`),
  ]);
  const poster = new EventPoster(server.url, secret, 32);
  h.log(
    `\n== Threadline: ${rate} events/s × ${ENDPOINTS.length} webhook receivers (${WARMUP_S} s warm-up, ${DURATION_S} s measured) ==`,
  );
  try {
    const result = await measure(h, {
      kind: 'threadline',
      rate,
      run,
      fanOut: ENDPOINTS.length,
      consumer: receivers.rpc,
      pids: { server: server.pid, receivers: receivers.pid, bench: process.pid },
      backlog,
      send: (seq, t, warm) => poster.post({ run, seq, t, warm }),
    });
    const statuses = [...poster.statuses].sort(([a], [b]) => a - b).map(([code, n]) => `${code}×${num(n)}`);
    h.log(`HTTP        answers to POST /hooks/events: ${statuses.join(', ') || 'none'}`);
    return result;
  } finally {
    await poster.close();
    await backlog.close();
    h.rss.unwatch('server');
    await h.children.stop(server.process);
    await deleteKeys(h.redis, prefix);
  }
}

async function ceilingRun(h: Harness, rate: number): Promise<RunResult> {
  const run = `c${rate}-${randomBytes(3).toString('hex')}`;
  const prefix = `${h.prefix}:${run}`;
  const queueName = 'ceiling';
  const worker = await h.children.fork<{ pid: number }>('ceiling-worker', 'ceiling-worker.ts', [
    JSON.stringify({ redisUrl: h.redisUrl, prefix, queue: queueName, concurrency: CEILING_CONCURRENCY }),
  ]);
  h.rss.watch('ceiling worker', worker.pid);
  const producerRedis = openRedis(h.redisUrl);
  const queue = new Queue(queueName, { connection: producerRedis, prefix });
  const backlog = new Backlog(h.redis, prefix, [queueName]);
  h.log(
    `\n== Ceiling: bare BullMQ Queue.add → Worker (concurrency ${CEILING_CONCURRENCY}, no-op) at ${rate} jobs/s ==`,
  );
  try {
    return await measure(h, {
      kind: 'ceiling',
      rate,
      run,
      fanOut: 1,
      consumer: worker.rpc,
      pids: { 'ceiling worker': worker.pid, bench: process.pid },
      backlog,
      send: async (seq, t, warm) => {
        await queue.add(
          'noop',
          { run, seq, t, warm },
          { removeOnComplete: { age: 3_600, count: 10_000 }, removeOnFail: { age: 86_400 } },
        );
        return true;
      },
    });
  } finally {
    await queue.close();
    producerRedis.disconnect();
    await backlog.close();
    h.rss.unwatch('ceiling worker');
    await h.children.stop(worker.process);
    await deleteKeys(h.redis, prefix);
  }
}

/** Ingress only (nothing consumes): Redis memory growth per queued event. */
async function memoryRun(h: Harness, receivers: HelperChild<ReceiverReady>): Promise<MemoryResult> {
  const run = `m-${randomBytes(3).toString('hex')}`;
  const prefix = `${h.prefix}:${run}`;
  const secret = randomBytes(16).toString('hex');
  const config = writeConfig({
    dir: h.dir,
    file: 'memory.yaml',
    redisUrl: h.redisUrl,
    prefix,
    secret,
    endpoints: ENDPOINTS.map((name, i) => ({
      name,
      url: `http://127.0.0.1:${receivers.ready.ports[i]}/hook`,
    })),
  });
  const server = await h.children.startServer('ingress-memory', config, 'ingress');
  h.rss.watch('server', server.pid);
  h.rss.reset();
  const poster = new EventPoster(server.url, secret, 16);
  const backlog = new Backlog(h.redis, prefix, ['events']);
  h.log(
    `\n== Redis memory per queued event: --role ingress, ${num(MEMORY_EVENTS)} events, nothing consumes ==`,
  );
  try {
    await sleep(300);
    const usedBefore = await usedMemory(h.redis);
    let nextSeq = 0;
    let posted = 0;
    const deadline = now() + 120_000;
    const lane = async () => {
      while (nextSeq < MEMORY_EVENTS && now() < deadline) {
        const seq = nextSeq++;
        if (await poster.post({ run, seq, t: now(), warm: true }).catch(() => false)) posted++;
      }
    };
    const started = now();
    await Promise.all(Array.from({ length: 16 }, lane));
    const elapsed = (now() - started) / 1000;
    await sleep(300);
    const usedAfter = await usedMemory(h.redis);
    const counts = await backlog.counts();
    const queued = Object.values(counts).reduce((sum, c) => sum + c.waiting + c.active + c.delayed, 0);
    const keyspace = await keyspaceMemory(h.redis, prefix);
    const result: MemoryResult = {
      posted,
      queued,
      usedBefore,
      usedAfter,
      keyspace,
      serverRss: h.rss.snapshot().server,
    };
    h.log(
      `posted      ${num(posted)} events in ${elapsed.toFixed(1)} s (16 connections, closed loop); ${num(queued)} jobs queued`,
    );
    h.log(
      `INFO       used_memory ${mb(usedBefore)} → ${mb(usedAfter)}: ${num((usedAfter - usedBefore) / Math.max(1, queued))} bytes per queued event`,
    );
    h.log(
      `keyspace   ${num(keyspace.keys)} keys under the prefix, MEMORY USAGE sum ${mb(keyspace.bytes)}: ${num(keyspace.bytes / Math.max(1, queued))} bytes per queued event`,
    );
    h.log(`RSS peak   server (ingress) ${mb(result.serverRss)}`);
    return result;
  } finally {
    await poster.close();
    await backlog.close();
    h.rss.unwatch('server');
    await h.children.stop(server.process);
    await deleteKeys(h.redis, prefix);
  }
}

function latencyLine(s: Summary): string {
  return `p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`;
}

function printRun(h: Harness, r: RunResult): void {
  const { load, delivered } = r;
  const unit = r.kind === 'threadline' ? 'deliveries' : 'processed';
  h.log(
    `load        ${num(load.scheduled)} scheduled (${num(load.measuredScheduled)} measured): ${num(load.accepted)} accepted, ${num(load.rejected)} refused, ${num(load.failed)} failed (error/timeout), ${num(load.shed)} shed (>${num(MAX_OUTSTANDING)} outstanding), ${num(load.unanswered)} unanswered; generator lag p99 ${ms(load.sendLag.p99)} max ${ms(load.sendLag.max)}`,
  );
  h.log(`accepted/s  ${num(load.acceptedInWindow / DURATION_S, 1)} (target ${num(r.rate)})`);
  h.log(
    `ack         ${latencyLine(load.ack)}  (scheduled → ${r.kind === 'threadline' ? 'HTTP 202' : 'Queue.add resolved'})`,
  );
  h.log(`${unit.padEnd(11)} ${num(r.deliveriesPerS, 1)}/s (target ${num(r.rate * r.fanOut)}/s)`);
  h.log(
    `latency     ${latencyLine(delivered.latency)}  (scheduled → ${r.kind === 'threadline' ? 'first arrival at the receiver' : 'processor ran'}, over all ${num(load.measuredScheduled * r.fanOut)} measured ${unit}: ${num(Math.max(0, load.measuredScheduled * r.fanOut - delivered.latency.count))} never arrived and count as never)`,
  );
  h.log(
    `backlog     at end of load: ${num(r.backlogAtEnd.events + r.backlogAtEnd.deliveries)} jobs [waiting/active/delayed: ${r.backlogAtEnd.detail}]; max ${num(r.backlogMax)}; growth ${num(r.backlogSlope, 1)} jobs/s`,
  );
  h.log(
    `drain       ${num(r.missingAfterDrain)} of ${num(r.expectedDeliveries)} ${unit} of accepted events still missing ${DRAIN_S} s after the last send; backlog then ${num(r.backlogAfterDrain.events + r.backlogAfterDrain.deliveries)}; ${num(r.deliveredWithoutAck)} ${unit} of events whose send failed (stored anyway)`,
  );
  h.log(
    `duplicates  ${num(delivered.duplicateIds)} ids seen more than once (${num(delivered.extraRequests)} extra requests); id mismatches ${num(delivered.idMismatches)}`,
  );
  const u = r.usage;
  const perEvent = (seconds: number) =>
    `${((seconds * 1000) / Math.max(1, u.events)).toFixed(2)} ms/accepted event`;
  h.log(
    `CPU         over the load (${u.seconds.toFixed(1)} s): ${Object.entries(u.cpu)
      .map(
        ([label, s]) =>
          `${label} ${s.toFixed(1)} s (${((100 * s) / u.seconds).toFixed(0)}% of a core, ${perEvent(s)})`,
      )
      .join(
        ', ',
      )}; redis-server ${u.redis.cpuSeconds.toFixed(1)} s (${perEvent(u.redis.cpuSeconds)}); whole machine ${(100 * u.machineBusy).toFixed(0)}% busy (${os.availableParallelism()} cores)`,
  );
  h.log(
    `redis ops   ${(u.redis.commands / Math.max(1, u.events)).toFixed(1)} commands/event incl. those inside scripts, ${(u.redis.scripts / Math.max(1, u.events)).toFixed(1)} script calls/event (per accepted event; server-wide counters)`,
  );
  h.log(
    `RSS peak    ${Object.entries(r.rss)
      .map(([label, bytes]) => `${label} ${mb(bytes)}`)
      .join(', ')}`,
  );
}

function sustained(r: RunResult): { ok: boolean; why: string } {
  const accepted = r.load.acceptedInWindow / DURATION_S;
  const offeredJobs = r.rate * (1 + r.fanOut);
  const checks = [
    { ok: accepted >= 0.97 * r.rate, text: `accepted ${num(accepted)}/s` },
    { ok: r.deliveriesPerS >= 0.97 * r.rate * r.fanOut, text: `delivered ${num(r.deliveriesPerS)}/s` },
    { ok: r.backlogSlope <= 0.01 * offeredJobs, text: `backlog growth ${num(r.backlogSlope, 1)} jobs/s` },
    { ok: r.missingAfterDrain === 0, text: `${num(r.missingAfterDrain)} missing after drain` },
  ];
  return { ok: checks.every((c) => c.ok), why: checks.map((c) => `${c.text}${c.ok ? '' : ' ✗'}`).join(', ') };
}

function printSummary(h: Harness, runs: RunResult[], memory: MemoryResult | undefined): void {
  h.log('\n== Summary ==');
  const rows = [
    [
      'run',
      'rate/s',
      'accepted/s',
      'ack p50',
      'ack p99',
      'deliv/s',
      'e2e p50',
      'e2e p99',
      'e2e max',
      'backlog end',
      'growth/s',
      'missing',
      'consumer RSS',
      'consumer CPU',
      'machine busy',
    ],
  ];
  for (const r of [...runs].sort((a, b) => a.rate - b.rate || a.kind.localeCompare(b.kind))) {
    const label = r.kind === 'threadline' ? 'server' : 'ceiling worker';
    const cpu = r.usage.cpu[label];
    rows.push([
      r.kind === 'threadline' ? `threadline ×${r.fanOut}` : 'bullmq ceiling',
      num(r.rate),
      num(r.load.acceptedInWindow / DURATION_S, 1),
      ms(r.load.ack.p50),
      ms(r.load.ack.p99),
      num(r.deliveriesPerS, 1),
      ms(r.delivered.latency.p50),
      ms(r.delivered.latency.p99),
      ms(r.delivered.latency.max),
      num(r.backlogAtEnd.events + r.backlogAtEnd.deliveries),
      num(r.backlogSlope, 1),
      num(r.missingAfterDrain),
      mb(r.rss[label]),
      cpu === undefined ? 'n/a' : `${((cpu * 1000) / Math.max(1, r.usage.events)).toFixed(2)} ms/ev`,
      `${(100 * r.usage.machineBusy).toFixed(0)}%`,
    ]);
  }
  h.log(table(rows));
  h.log(
    '(consumer = the threadline server, or the ceiling worker; consumer CPU = its CPU time over the load per accepted event; machine busy = all cores, all processes)',
  );
  if (memory) {
    h.log(
      `redis memory per queued event: ${num((memory.usedAfter - memory.usedBefore) / Math.max(1, memory.queued))} B (INFO used_memory delta), ${num(memory.keyspace.bytes / Math.max(1, memory.queued))} B (MEMORY USAGE of the run's keys), ${num(memory.queued)} events queued`,
    );
  }

  h.log('\n== Goals ==');
  const goals: string[][] = [['goal', 'measured', 'verdict']];
  const at2000 = runs.find((r) => r.kind === 'threadline' && r.rate === GOAL_RATE);
  if (at2000) {
    const s = sustained(at2000);
    goals.push([
      `sustained ${num(GOAL_RATE)} events/s × 3 receivers, no backlog growth`,
      s.why,
      s.ok ? 'MET' : 'MISSED',
    ]);
  } else {
    goals.push([
      `sustained ${num(GOAL_RATE)} events/s × 3 receivers, no backlog growth`,
      `not run (BENCH_RATES=${RATES.join(',')})`,
      'NOT MEASURED',
    ]);
  }
  const at1000 = runs.find((r) => r.kind === 'threadline' && r.rate === GOAL_P99_RATE);
  if (at1000) {
    const p99 = at1000.delivered.latency.p99;
    goals.push([
      `p99 event→delivery ≤ ${GOAL_P99_MS} ms at ${num(GOAL_P99_RATE)} events/s`,
      ms(p99),
      p99 <= GOAL_P99_MS ? 'MET' : 'MISSED',
    ]);
  } else {
    goals.push([
      `p99 event→delivery ≤ ${GOAL_P99_MS} ms at ${num(GOAL_P99_RATE)} events/s`,
      `not run (BENCH_RATES=${RATES.join(',')})`,
      'NOT MEASURED',
    ]);
  }
  const serverPeaks = [
    ...runs.filter((r) => r.kind === 'threadline').map((r) => r.rss.server),
    memory?.serverRss,
  ].filter((v): v is number => v !== undefined);
  const serverPeak = serverPeaks.length ? Math.max(...serverPeaks) : undefined;
  goals.push([
    'server RSS ≤ 250 MB',
    `${mb(serverPeak)} peak of the server process over all runs`,
    serverPeak === undefined ? 'NOT MEASURED' : serverPeak <= GOAL_RSS_BYTES ? 'MET' : 'MISSED',
  ]);
  h.log(table(goals));
  h.log(
    `(sustained = accepted ≥ 97% and deliveries ≥ 97% of the target rate in the measured window, backlog growth ≤ 1% of the offered job rate, nothing missing after the ${DRAIN_S} s drain)`,
  );
}

await runBench('bench-events', async (h) => {
  h.log(
    `rates ${RATES.join(', ')} events/s; ${WARMUP_S} s warm-up + ${DURATION_S} s measured; drain ${DRAIN_S} s; queue.concurrency ${CONCURRENCY ?? 'server default'}`,
  );
  const receivers = await h.children.fork<ReceiverReady>('receivers', 'receiver.ts', [
    JSON.stringify({ names: ENDPOINTS, holdMs: 0, detailed: false }),
  ]);
  h.rss.watch('receivers', receivers.pid);
  const runs: RunResult[] = [];
  for (const rate of RATES) {
    runs.push(await threadlineRun(h, receivers, rate));
    if (CEILING) runs.push(await ceilingRun(h, rate));
  }
  const memory = MEMORY_EVENTS > 0 ? await memoryRun(h, receivers) : undefined;
  printSummary(h, runs, memory);
});
