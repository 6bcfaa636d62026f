/**
 * npm run bench:incidents — the on-call loop under load, against the real build: BENCH_INCIDENTS
 * (default 500) incidents opened with signed Slack `/ops page` commands, then all acknowledged
 * at once by pressing each card's Acknowledge button (signed block_actions). Printed per incident:
 * time from the button press to PagerDuty's acknowledge request, and to the last update of the
 * incident's card; and the number of duplicate pager calls (a second trigger or acknowledge for
 * one incident), which must be 0.
 *
 * Processes: this one (load generator, and the loopback fakes of Slack's Web API and PagerDuty's
 * Events API from test/fakes, which stamp each request's arrival on the same clock as the press),
 * and the server under test (`node dist/src/cli/bin.js serve --role all`). Each incident has a
 * Slack channel of its own, so Slack's per-channel pacing never couples two incidents.
 *
 * Env: BENCH_INCIDENTS (500), BENCH_CONNECTIONS (64), BENCH_CONCURRENCY (queue.concurrency of the
 * server, 200), BENCH_DRAIN_S (3: how long to keep watching for duplicate calls after the last
 * ack), BENCH_TIMEOUT_S (120 per phase), BENCH_SKIP_BUILD=1, REDIS_URL (loopback only).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { slackSignature } from '../src/platforms/slack/verify.js';
import { FakePagerDuty, ROUTING_KEY } from '../test/fakes/pagerduty.js';
import { FakeSlack, type RecordedRequest } from '../test/fakes/slack-api.js';
import {
  blockActionsPayload,
  interactionForm,
  RESPONDER,
  SIGNING_SECRET,
  shownText,
  slashForm,
} from '../test/platforms/slack/support.js';
import { envNumber, now, sleep } from './lib/env.js';
import { runBench } from './lib/harness.js';
import { ms, summarize, table } from './lib/stats.js';

const INCIDENTS = Math.round(envNumber('BENCH_INCIDENTS', 500, 1));
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 64, 1));
const CONCURRENCY = Math.round(envNumber('BENCH_CONCURRENCY', 200, 1));
const DRAIN_S = envNumber('BENCH_DRAIN_S', 3, 0);
const TIMEOUT_S = envNumber('BENCH_TIMEOUT_S', 120, 1);

const channelOf = (i: number) => `CINC${String(i).padStart(5, '0')}`;

/** Runs `task` for 0..n-1 with at most `limit` in flight. */
async function inParallel(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + TIMEOUT_S * 1_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${TIMEOUT_S} s waiting for ${what}`);
    await sleep(100);
  }
}

await runBench('incidents', async (h) => {
  // Arrivals of card updates, by channel: chat.update calls as the fake received them.
  const updates = new Map<string, number[]>();
  const slack = await FakeSlack.start({
    channels: ['*'],
    onRequest: (r: RecordedRequest) => {
      if (r.path !== '/api/chat.update') return;
      const channel = (r.json as { channel?: string } | undefined)?.channel;
      if (channel) updates.set(channel, [...(updates.get(channel) ?? []), r.at]);
    },
  });
  const pagerduty = await FakePagerDuty.start();
  try {
    const file = join(h.dir, 'incidents.yaml');
    writeFileSync(
      file,
      stringify({
        server: { host: '127.0.0.1', port: 0, shutdown_timeout_ms: 2_000 },
        redis: { url: h.redisUrl, prefix: h.prefix },
        logging: { level: 'warn' },
        security: { allow_private_networks: true },
        queue: { concurrency: CONCURRENCY, chat_concurrency: CONCURRENCY },
        platforms: {
          slack: {
            enabled: true,
            api_url: slack.apiUrl,
            bot_token: slack.token,
            signing_secret: SIGNING_SECRET,
          },
        },
        integrations: {
          pagerduty: { enabled: true, routing_key: ROUTING_KEY, events_url: pagerduty.eventsUrl },
        },
        rbac: { roles: { responder: [`slack:${RESPONDER}`] } },
      }),
    );
    const server = await h.children.startServer('threadline', file, 'all');
    h.rss.watch(server.label, server.pid);
    const pool = new Pool(server.url, { connections: CONNECTIONS, pipelining: 1 });
    const postSlack = async (body: string) => {
      const ts = Math.floor(Date.now() / 1000);
      const response = await pool.request({
        path: '/slack/events',
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body),
        },
        body,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`Slack request answered ${response.statusCode}`);
    };

    // Phase 1: open the incidents; each card's ts and id are read from the fake.
    h.log(`opening ${INCIDENTS} incidents (one /ops page per channel)…`);
    const opened = now();
    await inParallel(INCIDENTS, CONNECTIONS, (i) =>
      postSlack(
        slashForm(`page svc${i} "bench incident ${i}"`, {
          channel_id: channelOf(i),
          response_url: slack.responseUrl(),
        }),
      ),
    );
    const cards = new Map<number, { id: string; ts: string }>();
    await waitUntil('every incident card', () => {
      for (let i = 0; i < INCIDENTS; i++) {
        if (cards.has(i)) continue;
        const parent = slack.history(channelOf(i)).find((m) => !m.thread_ts);
        const id = parent ? /INC-\d+/.exec(shownText(parent))?.[0] : undefined;
        if (parent && id) cards.set(i, { id, ts: parent.ts });
      }
      return cards.size === INCIDENTS;
    });
    // PagerDuty's requests are read once each, as they arrive: re-parsing them on every poll
    // would take the CPU the fakes need to stamp arrivals.
    const book = { read: 0, first: new Map<string, number>(), counts: new Map<string, number>() };
    const tally = () => {
      for (; book.read < pagerduty.requests.length; book.read++) {
        const r = pagerduty.requests[book.read]!;
        const body = r.json as { event_action?: string; dedup_key?: string } | undefined;
        if (!body?.event_action || !body.dedup_key?.startsWith('threadline:incident:')) continue;
        const key = `${body.event_action} ${body.dedup_key}`;
        book.counts.set(key, (book.counts.get(key) ?? 0) + 1);
        if (!book.first.has(key)) book.first.set(key, r.at);
      }
    };
    const count = (action: string) => {
      tally();
      let n = 0;
      for (const [key, c] of book.counts) if (key.startsWith(`${action} `)) n += c;
      return n;
    };
    const duplicates = () => {
      tally();
      let n = 0;
      for (const c of book.counts.values()) n += c - 1;
      return n;
    };
    await waitUntil('every PagerDuty trigger', () => count('trigger') >= INCIDENTS);
    h.log(`opened in ${ms(now() - opened)}; ${count('trigger')} triggers at PagerDuty`);

    // Phase 2: press Acknowledge on every card at once.
    for (const channel of updates.keys()) updates.delete(channel);
    const pressed = new Map<number, number>();
    h.log(`pressing Acknowledge on ${INCIDENTS} cards…`);
    await inParallel(INCIDENTS, CONNECTIONS, async (i) => {
      const card = cards.get(i)!;
      const body = interactionForm(
        blockActionsPayload({
          actionId: 'incident.ack',
          value: card.id,
          messageTs: card.ts,
          channel: channelOf(i),
        }),
      );
      pressed.set(i, now());
      await postSlack(body);
    });
    const acked = (i: number) =>
      shownText(slack.message(channelOf(i), cards.get(i)!.ts)).includes('Acknowledged');
    await waitUntil('every PagerDuty acknowledge', () => count('acknowledge') >= INCIDENTS);
    const pending = new Set(cards.keys());
    await waitUntil('every card showing the acknowledgement', () => {
      for (const i of pending) if (acked(i)) pending.delete(i);
      return pending.size === 0;
    });
    await sleep(DRAIN_S * 1_000);

    // Figures: per incident, from the press to PagerDuty's acknowledge and to the card's last update.
    const toPager = new Float64Array(INCIDENTS);
    const toCard = new Float64Array(INCIDENTS);
    for (let i = 0; i < INCIDENTS; i++) {
      const { id } = cards.get(i)!;
      toPager[i] =
        (book.first.get(`acknowledge threadline:incident:${id}`) ?? Number.POSITIVE_INFINITY) -
        pressed.get(i)!;
      const lastUpdate = Math.max(...(updates.get(channelOf(i)) ?? [Number.POSITIVE_INFINITY]));
      toCard[i] = lastUpdate - pressed.get(i)!;
    }
    // Where the time to the pager goes: when each acknowledge's job was queued and when a worker took it.
    const jobs = new Queue('pager-calls.pagerduty', { connection: h.redis, prefix: h.prefix });
    const queuedAt = new Float64Array(INCIDENTS);
    const startedAt = new Float64Array(INCIDENTS);
    for (let i = 0; i < INCIDENTS; i++) {
      const job = await jobs.getJob(`pagerduty.${cards.get(i)!.id}.acknowledge`);
      queuedAt[i] = (job?.timestamp ?? Number.POSITIVE_INFINITY) - pressed.get(i)!;
      startedAt[i] = (job?.processedOn ?? Number.POSITIVE_INFINITY) - pressed.get(i)!;
    }
    await jobs.close();
    const queued = summarize(queuedAt);
    const started = summarize(startedAt);
    const pager = summarize(toPager);
    const card = summarize(toCard);
    h.log('');
    h.log(
      table([
        ['from the button press to', 'p50', 'p99', 'max'],
        ["PagerDuty's acknowledge request", ms(pager.p50), ms(pager.p99), ms(pager.max)],
        ['the last card update', ms(card.p50), ms(card.p99), ms(card.max)],
        ['(the acknowledge job queued)', ms(queued.p50), ms(queued.p99), ms(queued.max)],
        ['(a worker took that job)', ms(started.p50), ms(started.p99), ms(started.max)],
      ]),
    );
    h.log('');
    h.log(
      `incidents ${INCIDENTS}; PagerDuty calls: ${count('trigger')} trigger, ${count('acknowledge')} acknowledge; ` +
        `duplicate pager calls: ${duplicates()} (must be 0)`,
    );
    await pool.close();
  } finally {
    await slack.close();
    await pagerduty.close();
  }
});
