/**
 * npm run bench:crash — what a worker crash costs: an ingress process and a worker process, a
 * receiver that holds every request open (so deliveries are in flight), SIGKILL of the worker
 * while it has deliveries in flight, a new worker started at once; then how long until every
 * in-flight delivery arrives again, whether any delivery is lost, and what the receiver sees twice.
 *
 * BENCH_CRASH_MODE=fast-lane kills a `--role all` process instead, which took the events itself
 * and holds both kinds of in-flight delivery: first attempts from its outbox and queued jobs.
 *
 * Env: BENCH_CRASH_EVENTS (200), BENCH_CRASH_HOLD_MS (3000), BENCH_CRASH_MIN_IN_FLIGHT (20),
 * BENCH_CRASH_WAIT_S (60), BENCH_CRASH_MODE (worker | fast-lane), BENCH_SKIP_BUILD=1, REDIS_URL
 * (loopback only). See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { envNumber, now, sleep } from './lib/env.js';
import { runBench } from './lib/harness.js';
import type { ReceiverReady, RequestEntry } from './lib/receiver.js';
import { Backlog } from './lib/redis.js';
import { ms, num, percentile, table } from './lib/stats.js';
import { EventPoster, writeConfig } from './lib/threadline.js';

const EVENTS = Math.round(envNumber('BENCH_CRASH_EVENTS', 200, 1));
const HOLD_MS = envNumber('BENCH_CRASH_HOLD_MS', 3_000, 0);
const MIN_IN_FLIGHT = Math.round(envNumber('BENCH_CRASH_MIN_IN_FLIGHT', 20, 1));
const WAIT_S = envNumber('BENCH_CRASH_WAIT_S', 60, 1);
const LOCK_DURATION_MS = 5_000;
const STALLED_INTERVAL_MS = 2_500;
const ENDPOINT = 'crash';
const GOAL_RECOVERY_MS = 10_000;
const FAST_LANE = process.env.BENCH_CRASH_MODE === 'fast-lane';
const VICTIM = FAST_LANE ? 'all-1' : 'worker-1';

await runBench('bench-crash', async (h) => {
  const run = `crash-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  h.log(
    `${EVENTS} events → 1 webhook receiver holding each request ${HOLD_MS} ms; queue.lock_duration_ms ${LOCK_DURATION_MS}, queue.stalled_interval_ms ${STALLED_INTERVAL_MS}`,
  );

  const receivers = await h.children.fork<ReceiverReady>('receiver', 'receiver.ts', [
    JSON.stringify({ names: [ENDPOINT], holdMs: HOLD_MS, detailed: true }),
  ]);
  const config = writeConfig({
    dir: h.dir,
    file: 'crash.yaml',
    redisUrl: h.redisUrl,
    prefix: `${h.prefix}:${run}`,
    secret,
    endpoints: [{ name: ENDPOINT, url: `http://127.0.0.1:${receivers.ready.ports[0]}/hook` }],
    lockDurationMs: LOCK_DURATION_MS,
    stalledIntervalMs: STALLED_INTERVAL_MS,
  });
  // Worker mode: events go in through an ingress process and the worker is killed. Fast-lane
  // mode: one `all` process takes the events, attempts them itself, and is killed.
  const ingress = FAST_LANE ? undefined : await h.children.startServer('ingress', config, 'ingress');
  const worker1 = await h.children.startServer(VICTIM, config, FAST_LANE ? 'all' : 'worker');
  const backlog = new Backlog(h.redis, `${h.prefix}:${run}`, ['events', `deliveries.webhooks.${ENDPOINT}`]);
  const poster = new EventPoster((ingress ?? worker1).url, secret, 16);

  try {
    // Post every event (closed loop, 16 at a time); remember which ones were accepted.
    const accepted = new Set<string>();
    let nextSeq = 0;
    const lane = async () => {
      while (nextSeq < EVENTS) {
        const seq = nextSeq++;
        const ok = await poster.post({ run, seq, t: now(), warm: false }).catch(() => false);
        if (ok) accepted.add(`${run}-${seq}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    h.log(`posted      ${num(accepted.size)} of ${num(EVENTS)} events accepted (202)`);

    // Wait until the receiver holds some requests open, then let the first batch settle in.
    const openDeadline = now() + 20_000;
    let open = await receivers.rpc.call<number>('open');
    while (open < MIN_IN_FLIGHT && now() < openDeadline) {
      await sleep(50);
      open = await receivers.rpc.call<number>('open');
    }
    if (open < MIN_IN_FLIGHT)
      throw new Error(`the receiver never had ${MIN_IN_FLIGHT} requests open (had ${open})`);
    await sleep(Math.min(500, HOLD_MS / 4));
    open = await receivers.rpc.call<number>('open');

    const exited = new Promise<void>((resolve) => worker1.process.once('exit', () => resolve()));
    const killedAt = now();
    worker1.process.kill('SIGKILL');
    const worker2Promise = h.children.startServer('worker-2', config, 'worker');
    await exited;
    const worker2 = await worker2Promise;
    const worker2ReadyMs = now() - killedAt;
    h.log(
      `kill        SIGKILL ${VICTIM} (pid ${worker1.pid}) with ${open} request(s) open at the receiver; worker-2 (pid ${worker2.pid}) listening ${ms(worker2ReadyMs)} after the kill`,
    );

    // Wait until every accepted event's delivery has been answered, or WAIT_S after the kill.
    const expected = (eventId: string) => `${eventId}.webhooks.${ENDPOINT}`;
    const deadline = killedAt + WAIT_S * 1000;
    let entries: RequestEntry[] = [];
    for (;;) {
      entries = await receivers.rpc.call<RequestEntry[]>('entries');
      const answered = new Set(entries.filter((e) => e.outcome === 'answered').map((e) => e.deliveryId));
      if ([...accepted].every((id) => answered.has(expected(id))) || now() >= deadline) break;
      await sleep(100);
    }
    const finishedAt = now();

    // In flight at the kill: arrived before it and not answered before it.
    const inFlight = new Set(
      entries
        .filter((e) => e.arrival <= killedAt && !(e.outcome === 'answered' && (e.endedAt ?? 0) <= killedAt))
        .map((e) => e.deliveryId),
    );
    const abortedAtKill = entries.filter(
      (e) => inFlight.has(e.deliveryId) && e.arrival <= killedAt && e.outcome === 'aborted',
    ).length;
    const redelivered: number[] = [];
    let notRedelivered = 0;
    for (const id of inFlight) {
      const again = entries.filter((e) => e.deliveryId === id && e.arrival > killedAt).map((e) => e.arrival);
      if (again.length === 0) notRedelivered++;
      else redelivered.push(Math.min(...again) - killedAt);
    }
    redelivered.sort((a, b) => a - b);
    const recoveryMs = notRedelivered > 0 ? Number.POSITIVE_INFINITY : (redelivered.at(-1) ?? 0);

    const byId = new Map<string, RequestEntry[]>();
    for (const e of entries) byId.set(e.deliveryId, [...(byId.get(e.deliveryId) ?? []), e]);
    const answeredIds = new Set(entries.filter((e) => e.outcome === 'answered').map((e) => e.deliveryId));
    const lost = [...accepted].filter((id) => !answeredIds.has(expected(id)));
    const seenTwice = [...byId.values()].filter((list) => list.length > 1);
    const answeredTwice = [...byId.values()].filter(
      (list) => list.filter((e) => e.outcome === 'answered').length > 1,
    );
    const repeatedNotInFlight = seenTwice.filter((list) => !inFlight.has(list[0]!.deliveryId)).length;
    // Every request for an event must carry that event's one delivery id, in x-delivery-id and webhook-id.
    const idsPerEvent = new Map<string, Set<string>>();
    let headerMismatches = 0;
    for (const e of entries) {
      idsPerEvent.set(e.eventId, (idsPerEvent.get(e.eventId) ?? new Set()).add(e.deliveryId));
      if (e.deliveryId !== expected(e.eventId) || e.webhookId !== e.deliveryId) headerMismatches++;
    }
    const eventsWithSeveralIds = [...idsPerEvent.values()].filter((ids) => ids.size > 1).length;
    // The worker marks a job completed just after the receiver answered: give that a moment.
    const settleBy = now() + 5_000;
    while ((await backlog.total()) > 0 && now() < settleBy) await sleep(100);
    const counts = await backlog.counts();

    h.log(
      `in flight   ${num(inFlight.size)} deliveries at the kill (${num(abortedAtKill)} saw their connection dropped)`,
    );
    h.log(
      `recovery    ${notRedelivered === 0 ? ms(recoveryMs) : `${num(notRedelivered)} never arrived again within ${WAIT_S} s`} from the kill until every in-flight delivery arrived again${redelivered.length ? ` (first ${ms(redelivered[0])}, median ${ms(percentile(redelivered, 0.5))})` : ''}`,
    );
    h.log(
      `lost        ${num(lost.length)} of ${num(accepted.size)} events with no answered delivery ${((finishedAt - killedAt) / 1000).toFixed(1)} s after the kill${lost.length ? ` (e.g. ${lost.slice(0, 5).join(', ')})` : ''}`,
    );
    h.log(
      `duplicates  ${num(seenTwice.length)} delivery ids received more than once (${num(repeatedNotInFlight)} of them not in flight at the kill); ${num(answeredTwice.length)} answered 200 more than once`,
    );
    h.log(
      `ids         ${num(entries.length)} requests: ${num(eventsWithSeveralIds)} events arrived under more than one delivery id; ${num(headerMismatches)} requests whose x-delivery-id/webhook-id differed from "<event id>.webhooks.${ENDPOINT}"`,
    );
    h.log(
      `backlog     at the end: ${Object.entries(counts)
        .map(([name, c]) => `${name} ${c.waiting}/${c.active}/${c.delayed}`)
        .join(', ')} (waiting/active/delayed)`,
    );

    h.log('\n== Goals ==');
    h.log(
      table([
        ['goal', 'measured', 'verdict'],
        [
          'in-flight jobs received again ≤ 10 s after the kill',
          notRedelivered === 0 ? ms(recoveryMs) : `${notRedelivered} never`,
          recoveryMs <= GOAL_RECOVERY_MS ? 'MET' : 'MISSED',
        ],
        [
          `jobs lost (no delivery within ${WAIT_S} s) = 0`,
          num(lost.length),
          lost.length === 0 ? 'MET' : 'MISSED',
        ],
        [
          'duplicates carry the same delivery id',
          `${num(seenTwice.length)} ids seen twice, ${num(eventsWithSeveralIds)} events with another id, ${num(headerMismatches)} header mismatches`,
          eventsWithSeveralIds === 0 && headerMismatches === 0 ? 'MET' : 'MISSED',
        ],
      ]),
    );
    await h.children.stop(worker2.process);
  } finally {
    await poster.close();
    await backlog.close();
  }
});
