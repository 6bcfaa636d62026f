/**
 * npm run bench:events — throughput and latency of the event pipeline
 * (POST /hooks/events → one Redis write of the event and its deliveries (the outbox) → the first attempt
 * in the accepting process, or deliveries.<key> jobs when that fails → webhook receivers),
 * side by side with Prometheus Alertmanager under the same load into the same receivers (the
 * peer, when installed), next to a bare BullMQ producer/worker pair (the ceiling), plus Redis
 * memory per queued event.
 *
 * Env: BENCH_RATES (default "500,1000,2000"), BENCH_DURATION_S (30), BENCH_WARMUP_S (5),
 * BENCH_WARMUP_RAMP (1: the warm-up's rate rises from 0 to the run's rate; 0: it starts at the rate),
 * BENCH_DRAIN_S (10), BENCH_MEMORY_EVENTS (20000, 0 skips), BENCH_CEILING (1, 0 skips the ceiling),
 * BENCH_PEER (1, 0 skips Alertmanager), BENCH_ALERTMANAGER_BIN (default: prometheus-alertmanager on PATH),
 * BENCH_CONCURRENCY (queue.concurrency, default: the server's default), BENCH_MAX_OUTSTANDING (1000
 * unanswered POSTs, then events are shed), BENCH_SKIP_BUILD=1, REDIS_URL (loopback only).
 * See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Queue } from 'bullmq';
import {
  ALERTMANAGER_COMMAND,
  ALERTMANAGER_INSTALL,
  type AlertmanagerBinary,
  AlertPoster,
  alertmanagerCounters,
  findAlertmanager,
  OwedDeliveries,
  startAlertmanager,
} from './lib/alertmanager.js';
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

const RATES = envNumbers('BENCH_RATES', [500, 1000, 2000]);
const DURATION_S = envNumber('BENCH_DURATION_S', 30, 1);
const WARMUP_S = envNumber('BENCH_WARMUP_S', 5, 0);
const WARMUP_RAMP = process.env.BENCH_WARMUP_RAMP !== '0';
const WARMUP = `${WARMUP_S} s warm-up${WARMUP_RAMP ? ' (ramped)' : ''}`;
const DRAIN_S = envNumber('BENCH_DRAIN_S', 10, 0);
const MEMORY_EVENTS = Math.round(envNumber('BENCH_MEMORY_EVENTS', 20_000, 0));
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? envNumber('BENCH_CONCURRENCY', 50, 1) : undefined;
const CEILING = process.env.BENCH_CEILING !== '0';
const PEER = process.env.BENCH_PEER !== '0';
const ENDPOINTS = ['receiver-a', 'receiver-b', 'receiver-c'];
const CEILING_CONCURRENCY = 50;
const MAX_OUTSTANDING = Math.round(envNumber('BENCH_MAX_OUTSTANDING', 1_000, 1));

const GOAL_RATE = 2000;
const GOAL_P99_RATE = 1000;
const GOAL_P99_MS = 100;
const GOAL_RSS_BYTES = 250 * 1024 * 1024;

/** Issue 8: against Alertmanager on the same machine, same load, same receivers. */
const PEER_GOAL_P99_RATES = [500, 1000];
const PEER_GOAL_P99_MS = 50;
const PEER_GOAL_P99_MS_RATE = 500;
const PEER_GOAL_THROUGHPUT_RATE = 2000;
const PEER_GOAL_CPU_MS = 0.35;
const PEER_GOAL_RSS_RATE = 1000;
const PEER_GOAL_RSS_BYTES = 180 * 1024 * 1024;

type Kind = 'threadline' | 'alertmanager' | 'ceiling';

/** The process each kind of run is about (its RSS and CPU are the run's figures). */
const CONSUMER: Record<Kind, string> = {
  threadline: 'server',
  alertmanager: 'alertmanager',
  ceiling: 'ceiling worker',
};

type Peer = { ran: true; binary: AlertmanagerBinary } | { ran: false; why: string };

interface BacklogSnapshot {
  events: number;
  deliveries: number;
  detail: string;
}

interface RunResult {
  kind: Kind;
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
  /** 1-minute load average at the end of the load (other tenants of a shared machine show here). */
  loadAverage: number;
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
    loadAverage: os.loadavg()[0] ?? 0,
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
function sampleBacklog(backlog: BacklogSource): { stop: () => Promise<Array<[number, number]>> } {
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

/** What measure() samples as the backlog: BullMQ queues, or the deliveries Alertmanager still owes. */
type BacklogSource = Pick<Backlog, 'counts' | 'total'>;

interface MeasureSpec {
  kind: Kind;
  rate: number;
  run: string;
  fanOut: number;
  /** The process that records arrivals (receivers or the ceiling worker). */
  consumer: RpcClient;
  pids: Record<string, number>;
  backlog: BacklogSource;
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
    warmupRamp: WARMUP_RAMP,
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
    `\n== Threadline: ${rate} events/s × ${ENDPOINTS.length} webhook receivers (${WARMUP}, ${DURATION_S} s measured) ==`,
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

/** The peer: Alertmanager alone on the machine (no Threadline server running), same load and receivers. */
async function alertmanagerRun(
  h: Harness,
  receivers: HelperChild<ReceiverReady>,
  binary: AlertmanagerBinary,
  rate: number,
): Promise<RunResult> {
  const run = `a${rate}-${randomBytes(3).toString('hex')}`;
  const am = await startAlertmanager(h.children, {
    bin: binary.path,
    dir: h.dir,
    label: `alertmanager-${rate}`,
    receiverUrls: receivers.ready.ports.map((port) => `http://127.0.0.1:${port}/hook`),
  });
  h.rss.watch('alertmanager', am.pid);
  const poster = new AlertPoster(am.url, 32);
  const fanOut = receivers.ready.ports.length;
  h.log(
    `\n== Alertmanager: ${rate} alerts/s × ${fanOut} webhook_configs (${WARMUP}, ${DURATION_S} s measured) ==`,
  );
  try {
    const result = await measure(h, {
      kind: 'alertmanager',
      rate,
      run,
      fanOut,
      consumer: receivers.rpc,
      pids: { alertmanager: am.pid, receivers: receivers.pid, bench: process.pid },
      backlog: new OwedDeliveries(receivers.rpc, run, poster, fanOut),
      send: (seq, t, warm) => poster.post({ run, seq, t, warm }),
    });
    const statuses = [...poster.statuses].sort(([a], [b]) => a - b).map(([code, n]) => `${code}×${num(n)}`);
    h.log(`HTTP        answers to POST /api/v2/alerts: ${statuses.join(', ') || 'none'}`);
    const counters = await alertmanagerCounters(am.url);
    h.log(
      counters
        ? `alertmanager its own counters: ${num(counters.received)} alerts received, ${num(counters.invalid)} invalid; ${num(counters.notifications)} webhook notifications, ${num(counters.failed)} failed`
        : 'alertmanager /metrics could not be read',
    );
    return result;
  } finally {
    await poster.close();
    h.rss.unwatch('alertmanager');
    await h.children.stop(am.process);
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
  // Ingress routes: an accepted event is one delivery job in each destination's queue.
  const backlog = new Backlog(
    h.redis,
    prefix,
    ENDPOINTS.map((name) => `deliveries.webhooks.${name}`),
  );
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
    const jobs = Object.values(counts).reduce((sum, c) => sum + c.waiting + c.active + c.delayed, 0);
    // Every accepted event left one job per destination.
    const queued = Math.round(jobs / ENDPOINTS.length);
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
      `posted      ${num(posted)} events in ${elapsed.toFixed(1)} s (16 connections, closed loop); ${num(jobs)} delivery jobs queued (${num(queued)} events × ${ENDPOINTS.length})`,
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
  const unit = r.kind === 'ceiling' ? 'processed' : 'deliveries';
  const acked = { threadline: 'HTTP 202', alertmanager: 'HTTP 200', ceiling: 'Queue.add resolved' }[r.kind];
  const arrived = r.kind === 'ceiling' ? 'processor ran' : 'first arrival at the receiver';
  h.log(
    `load        ${num(load.scheduled)} scheduled (${num(load.measuredScheduled)} measured): ${num(load.accepted)} accepted, ${num(load.rejected)} refused, ${num(load.failed)} failed (error/timeout), ${num(load.shed)} shed (>${num(MAX_OUTSTANDING)} outstanding), ${num(load.unanswered)} unanswered; generator lag p99 ${ms(load.sendLag.p99)} max ${ms(load.sendLag.max)}`,
  );
  h.log(`accepted/s  ${num(load.acceptedInWindow / DURATION_S, 1)} (target ${num(r.rate)})`);
  h.log(`ack         ${latencyLine(load.ack)}  (scheduled → ${acked})`);
  h.log(`${unit.padEnd(11)} ${num(r.deliveriesPerS, 1)}/s (target ${num(r.rate * r.fanOut)}/s)`);
  h.log(
    `latency     ${latencyLine(delivered.latency)}  (scheduled → ${arrived}, over all ${num(load.measuredScheduled * r.fanOut)} measured ${unit}: ${num(Math.max(0, load.measuredScheduled * r.fanOut - delivered.latency.count))} never arrived and count as never)`,
  );
  h.log(
    r.kind === 'alertmanager'
      ? `backlog     at end of load: ${num(r.backlogAtEnd.deliveries)} deliveries owed (accepted alerts × ${r.fanOut} − arrived); max ${num(r.backlogMax)}; growth ${num(r.backlogSlope, 1)}/s`
      : `backlog     at end of load: ${num(r.backlogAtEnd.events + r.backlogAtEnd.deliveries)} jobs [waiting/active/delayed: ${r.backlogAtEnd.detail}]; max ${num(r.backlogMax)}; growth ${num(r.backlogSlope, 1)} jobs/s`,
  );
  h.log(
    `drain       ${num(r.missingAfterDrain)} of ${num(r.expectedDeliveries)} ${unit} of accepted events still missing ${DRAIN_S} s after the last send; backlog then ${num(r.backlogAfterDrain.events + r.backlogAfterDrain.deliveries)}; ${num(r.deliveredWithoutAck)} ${unit} of events whose send failed (stored anyway)`,
  );
  h.log(
    r.kind === 'alertmanager'
      ? `duplicates  ${num(delivered.duplicateIds)} alerts received more than once by the same receiver (${num(delivered.extraRequests)} extra); ${num(delivered.requests)} alert deliveries in all for ${num(r.expectedDeliveries)} owed`
      : `duplicates  ${num(delivered.duplicateIds)} ids seen more than once (${num(delivered.extraRequests)} extra requests); id mismatches ${num(delivered.idMismatches)}`,
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
      .join(', ')}${
      r.kind === 'alertmanager'
        ? ''
        : `; redis-server ${u.redis.cpuSeconds.toFixed(1)} s (${perEvent(u.redis.cpuSeconds)})`
    }; whole machine ${(100 * u.machineBusy).toFixed(0)}% busy (${os.availableParallelism()} cores, load average ${u.loadAverage.toFixed(1)})`,
  );
  if (r.kind !== 'alertmanager') {
    h.log(
      `redis ops   ${(u.redis.commands / Math.max(1, u.events)).toFixed(1)} commands/event incl. those inside scripts, ${(u.redis.scripts / Math.max(1, u.events)).toFixed(1)} script calls/event (per accepted event; server-wide counters)`,
    );
  }
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

const KIND_ORDER: Record<Kind, number> = { threadline: 0, alertmanager: 1, ceiling: 2 };

function byRate(runs: RunResult[]): RunResult[] {
  return [...runs].sort((a, b) => a.rate - b.rate || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}

function cpuPerEvent(r: RunResult): number | undefined {
  const cpu = r.usage.cpu[CONSUMER[r.kind]];
  return cpu === undefined ? undefined : (cpu * 1000) / Math.max(1, r.usage.events);
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
      'dup',
      'consumer RSS',
      'consumer CPU',
      'machine busy',
    ],
  ];
  for (const r of byRate(runs)) {
    const label = CONSUMER[r.kind];
    const cpu = cpuPerEvent(r);
    rows.push([
      r.kind === 'ceiling' ? 'bullmq ceiling' : `${r.kind} ×${r.fanOut}`,
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
      num(r.delivered.duplicateIds),
      mb(r.rss[label]),
      cpu === undefined ? 'n/a' : `${cpu.toFixed(2)} ms/ev`,
      `${(100 * r.usage.machineBusy).toFixed(0)}%`,
    ]);
  }
  h.log(table(rows));
  h.log(
    "(consumer = the threadline server, alertmanager, or the ceiling worker; consumer CPU = its CPU time over the load per accepted event; alertmanager's backlog = deliveries owed; dup = deliveries received more than once; machine busy = all cores, all processes)",
  );
  if (memory) {
    h.log(
      `redis memory per queued event: ${num((memory.usedAfter - memory.usedBefore) / Math.max(1, memory.queued))} B (INFO used_memory delta), ${num(memory.keyspace.bytes / Math.max(1, memory.queued))} B (MEMORY USAGE of the run's keys), ${num(memory.queued)} events queued`,
    );
  }

  h.log('\n== Goals (step 1) ==');
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

function resolvePeer(): Peer {
  if (!PEER) return { ran: false, why: 'peer skipped: BENCH_PEER=0' };
  const binary = findAlertmanager();
  if (!binary) {
    const what = process.env.BENCH_ALERTMANAGER_BIN
      ? `BENCH_ALERTMANAGER_BIN=${process.env.BENCH_ALERTMANAGER_BIN} is not an executable`
      : `${ALERTMANAGER_COMMAND} not installed`;
    return { ran: false, why: `peer skipped: ${what} (${ALERTMANAGER_INSTALL})` };
  }
  return { ran: true, binary };
}

/** Threadline and Alertmanager at each rate, one row each, the figures the issue compares. */
function printSideBySide(h: Harness, runs: RunResult[], peer: Peer): void {
  h.log('\n== Threadline vs Alertmanager (same load generator, same 3 loopback receivers) ==');
  if (!peer.ran) {
    h.log(peer.why);
    return;
  }
  const rows = [
    [
      'rate/s',
      'system',
      'accepted/s',
      'deliv/s',
      'e2e p50',
      'e2e p99',
      'e2e max',
      'missing',
      'dup',
      'growth/s',
      'RSS peak',
      'CPU/event',
      'machine',
    ],
  ];
  for (const r of byRate(runs)) {
    if (r.kind === 'ceiling') continue;
    const cpu = cpuPerEvent(r);
    rows.push([
      num(r.rate),
      r.kind,
      num(r.load.acceptedInWindow / DURATION_S, 1),
      num(r.deliveriesPerS, 1),
      ms(r.delivered.latency.p50),
      ms(r.delivered.latency.p99),
      ms(r.delivered.latency.max),
      num(r.missingAfterDrain),
      num(r.delivered.duplicateIds),
      num(r.backlogSlope, 1),
      mb(r.rss[CONSUMER[r.kind]]),
      cpu === undefined ? 'n/a' : `${cpu.toFixed(2)} ms`,
      `${(100 * r.usage.machineBusy).toFixed(0)}% / ${r.usage.loadAverage.toFixed(1)}`,
    ]);
  }
  h.log(table(rows));
  h.log(
    `(${peer.binary.version}; e2e = scheduled send → first arrival of each of the 3 deliveries, undelivered counted as never; missing = deliveries of accepted events not arrived ${DRAIN_S} s after the last send; dup = deliveries received more than once; growth = Threadline's queued jobs/s, Alertmanager's owed deliveries/s; RSS and CPU of the threadline server / alertmanager process, CPU per accepted event; machine = all cores busy over the load / 1-min load average, figures from a machine far above 100% are other tenants' as much as the system's)`,
  );
}

interface GoalLine {
  goal: string;
  verdict: 'met' | 'not met' | 'not measured';
  measured: string;
}

function findRun(runs: RunResult[], kind: Kind, rate: number): RunResult | undefined {
  return runs.find((r) => r.kind === kind && r.rate === rate);
}

function notRun(rate: number): string {
  return `no run at ${num(rate)}/s (BENCH_RATES=${RATES.join(',')})`;
}

/** Issue 8's goals, each a met / not met line against this run's figures. */
function peerGoals(runs: RunResult[], peer: Peer): GoalLine[] {
  const lines: GoalLine[] = [];
  const noPeer = peer.ran ? '' : peer.why;
  for (const rate of PEER_GOAL_P99_RATES) {
    const goal = `p99 event→delivery at ${num(rate)}/s ≤ Alertmanager's`;
    const tl = findRun(runs, 'threadline', rate);
    const am = findRun(runs, 'alertmanager', rate);
    if (!tl || !am) {
      lines.push({ goal, verdict: 'not measured', measured: noPeer || notRun(rate) });
      continue;
    }
    const [a, b] = [tl.delivered.latency.p99, am.delivered.latency.p99];
    lines.push({
      goal,
      verdict: Number.isFinite(a) && a <= b ? 'met' : 'not met',
      measured: `threadline ${ms(a)}, alertmanager ${ms(b)}`,
    });
  }
  {
    const goal = `p99 event→delivery at ${num(PEER_GOAL_P99_MS_RATE)}/s ≤ ${PEER_GOAL_P99_MS} ms`;
    const tl = findRun(runs, 'threadline', PEER_GOAL_P99_MS_RATE);
    lines.push(
      tl
        ? {
            goal,
            verdict: tl.delivered.latency.p99 <= PEER_GOAL_P99_MS ? 'met' : 'not met',
            measured: ms(tl.delivered.latency.p99),
          }
        : { goal, verdict: 'not measured', measured: notRun(PEER_GOAL_P99_MS_RATE) },
    );
  }
  {
    const rate = PEER_GOAL_THROUGHPUT_RATE;
    const goal = `at ${num(rate)}/s deliveries/s ≥ Alertmanager's, no backlog growth`;
    const tl = findRun(runs, 'threadline', rate);
    const am = findRun(runs, 'alertmanager', rate);
    if (!tl || !am) {
      lines.push({ goal, verdict: 'not measured', measured: tl ? noPeer || notRun(rate) : notRun(rate) });
    } else {
      const growthOk = tl.backlogSlope <= 0.01 * rate * (1 + tl.fanOut);
      lines.push({
        goal,
        verdict: tl.deliveriesPerS >= am.deliveriesPerS && growthOk ? 'met' : 'not met',
        measured: `threadline ${num(tl.deliveriesPerS)}/s, alertmanager ${num(am.deliveriesPerS)}/s; threadline backlog growth ${num(tl.backlogSlope, 1)} jobs/s${growthOk ? '' : ' (> 1% of the offered job rate)'}`,
      });
    }
  }
  {
    const goal = `server CPU ≤ ${PEER_GOAL_CPU_MS} ms per event`;
    const measured = runs
      .filter((r) => r.kind === 'threadline')
      .map((r) => [r.rate, cpuPerEvent(r)] as const)
      .filter((pair): pair is readonly [number, number] => pair[1] !== undefined);
    lines.push(
      measured.length === 0
        ? { goal, verdict: 'not measured', measured: 'no threadline run' }
        : {
            goal,
            verdict: measured.every(([, v]) => v <= PEER_GOAL_CPU_MS) ? 'met' : 'not met',
            measured: measured.map(([rate, v]) => `${v.toFixed(2)} ms at ${num(rate)}/s`).join(', '),
          },
    );
  }
  {
    const goal = `server RSS ≤ ${mb(PEER_GOAL_RSS_BYTES)} at ${num(PEER_GOAL_RSS_RATE)}/s`;
    const rss = findRun(runs, 'threadline', PEER_GOAL_RSS_RATE)?.rss.server;
    lines.push(
      rss === undefined
        ? { goal, verdict: 'not measured', measured: notRun(PEER_GOAL_RSS_RATE) }
        : { goal, verdict: rss <= PEER_GOAL_RSS_BYTES ? 'met' : 'not met', measured: `${mb(rss)} peak` },
    );
  }
  return lines;
}

function printPeerGoals(h: Harness, runs: RunResult[], peer: Peer): void {
  h.log('\n== Goals (issue 8) ==');
  for (const line of peerGoals(runs, peer)) {
    h.log(`${line.verdict.padEnd(12)} ${line.goal}: ${line.measured}`);
  }
  h.log(
    '(CPU per accepted event over the load, every rate run; backlog growth ≤ 1% of the offered job rate counts as none)',
  );
}

await runBench('bench-events', async (h) => {
  h.log(
    `rates ${RATES.join(', ')} events/s; ${WARMUP} + ${DURATION_S} s measured; drain ${DRAIN_S} s; queue.concurrency ${CONCURRENCY ?? 'server default'}`,
  );
  const receivers = await h.children.fork<ReceiverReady>('receivers', 'receiver.ts', [
    JSON.stringify({ names: ENDPOINTS, holdMs: 0, detailed: false }),
  ]);
  h.rss.watch('receivers', receivers.pid);
  const peer = resolvePeer();
  h.log(peer.ran ? `peer: ${peer.binary.version} (${peer.binary.path})` : peer.why);
  const runs: RunResult[] = [];
  // One system at a time: each run starts its process and stops it before the next one starts.
  for (const rate of RATES) {
    runs.push(await threadlineRun(h, receivers, rate));
    if (peer.ran) runs.push(await alertmanagerRun(h, receivers, peer.binary, rate));
    if (CEILING) runs.push(await ceilingRun(h, rate));
  }
  const memory = MEMORY_EVENTS > 0 ? await memoryRun(h, receivers) : undefined;
  printSummary(h, runs, memory);
  printSideBySide(h, runs, peer);
  printPeerGoals(h, runs, peer);
});
