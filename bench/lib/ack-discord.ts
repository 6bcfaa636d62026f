/**
 * bench:ack for Discord: Ed25519-signed `POST /discord/interactions` (APPLICATION_COMMAND `/ops
 * help` and `/ops page …`), the loopback fake Discord REST API of the tests (in a child; it records
 * when each card, thread reply and follow-up arrives, and applies Discord's global limit of 50
 * requests/s to bot-token requests only, never to interaction webhooks) and the bare baseline:
 * node:http, Ed25519 check, one BullMQ job, a type 5 answer, and a worker sending one follow-up.
 */

import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { FakeDiscordApi, InteractionSender, interactionFixture } from '../../test/fakes/discord-api.js';
import { type AckClient, type AckPlatform, ArrivalBook, type FakeReady, isPage } from './ack-platform.js';
import { serveRpc } from './ipc.js';

const APPLICATION_ID = '290926444748734465';
const GUILD = '290926798626357999';
const RESPONDER_ROLE = '539082325061836999';
const RESPONDER = '53908232506183680';
/** Interaction and channel ids of run k are ORIGIN + k·SPAN + seq: numeric snowflakes, safe integers. */
const CHANNEL_ORIGIN = 3_000_000_000_000_000;
const CHANNEL_SPAN = 10_000_000;
const SIGNATURE_MAX_AGE_S = 300;
/** Discord's per-bot global limit, which the fake applies to bot-token requests. */
const BOT_GLOBAL_LIMIT_PER_S = 50;

interface DiscordReady extends FakeReady {
  apiUrl: string;
  token: string;
}

/** The application's key pair: made once in the bench process, which signs; the servers get the public key. */
let sender: InteractionSender | undefined;
function interactionSender(): InteractionSender {
  sender ??= new InteractionSender(generateKeyPairSync('ed25519'));
  return sender;
}

/** `bench.<run>.<seq>`: an interaction token that says which command a follow-up answers. */
function tokenOf(run: string, seq: number): string {
  return `bench.${run}.${seq}`;
}

/** A documented `/ops` APPLICATION_COMMAND (test/fixtures/discord) by a member with the responder role. */
function commandTemplate(): Record<string, unknown> {
  const payload = interactionFixture('command-page');
  payload.application_id = APPLICATION_ID;
  payload.guild_id = GUILD;
  payload.member.roles = [RESPONDER_ROLE];
  payload.member.user.id = RESPONDER;
  return payload;
}

function subcommand(seq: number): unknown[] {
  return isPage(seq)
    ? [
        {
          name: 'page',
          type: 1,
          options: [
            { name: 'service', type: 3, value: `svc${seq}` },
            { name: 'summary', type: 3, value: `bench incident ${seq}` },
            { name: 'severity', type: 3, value: 'critical' },
          ],
        },
      ]
    : [{ name: 'help', type: 1, options: [] }];
}

export const discordAck: AckPlatform<DiscordReady> = {
  name: 'discord',
  unit: 'interactions',
  fakeRole: 'fake-discord',
  baselineRole: 'baseline-discord',
  threadlineConfig: (fake) => ({
    platforms: {
      discord: {
        enabled: true,
        api_url: fake.apiUrl,
        application_id: APPLICATION_ID,
        public_key: interactionSender().publicKeyHex,
        bot_token: fake.token,
      },
    },
    rbac: { roles: { responder: [`discord:role:${RESPONDER_ROLE}`] } },
  }),
  baselineOptions: (fake) => ({ apiUrl: fake.apiUrl, publicKey: interactionSender().publicKeyHex }),
  client({ url, run, prepared, connections, timeoutMs }): AckClient {
    const { channelBase, channels } = prepared as { channelBase: number; channels: number };
    const signer = interactionSender();
    const template = commandTemplate();
    const channel = template.channel as Record<string, unknown>;
    const data = template.data as Record<string, unknown>;
    const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
    return {
      // True on a 200 whose body is an interaction callback of type 4 (message) or 5 (deferred).
      async send(seq) {
        // Unique per interaction; the channel repeats only when a closed loop outruns `channels`.
        const id = String(channelBase + seq);
        const where = String(channelBase + (seq % channels));
        const body = JSON.stringify({
          ...template,
          id,
          token: tokenOf(run, seq),
          channel_id: where,
          channel: { ...channel, id: where },
          data: { ...data, options: subcommand(seq) },
        });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const response = await pool.request({
          path: '/discord/interactions',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-signature-ed25519': signer.signature(body, timestamp),
            'x-signature-timestamp': timestamp,
          },
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.body.text();
        return response.statusCode === 200 && /^\{"type":[45]\b/.test(text);
      },
      close: () => pool.destroy(),
    };
  },
  text: {
    ack: 'scheduled send time → 200 with an interaction callback of type 4 or 5',
    reply:
      'scheduled send time → the message in the thread (Threadline) or the follow-up (baseline) at the fake Discord',
    baselineReply: 'one follow-up (after type 5)',
    note: 'Threadline posts a page’s card as a follow-up through the interaction’s webhook (exempt from the global limit), then spends two bot-token calls per page: the thread start and the reply in the thread (follow-ups cannot be aimed at a thread). Bot-token calls share the global limit of 50 requests/s (discord.js REST keeps to it; the fake Discord answers 429 beyond it), which caps threaded replies at about 25 pages/s. The baseline sends one follow-up per interaction through a plain HTTP pool and starts no thread.',
  },
};

/**
 * The fake Discord REST API (test/fakes/discord-api.ts) in a child. Each run gets a block of
 * numeric channel ids, one per sequence number; a page's channel is created in the fake up front,
 * and the token `bench.<run>.<seq>` tells the fake which channel its follow-ups land in. Every
 * 20 ms the requests it answered with success are read and dropped: a public follow-up (or, when
 * Threadline falls back to the bot, a POST to a run's channel) is the card, a POST into a thread
 * started on that card is the threaded reply, and the baseline's follow-up is its reply.
 * With BENCH_DISCORD_FAKE_LOG set, each run's request counts are appended to that file.
 */
export async function fakeDiscordChild(): Promise<void> {
  const fake = await FakeDiscordApi.start({ globalLimitPerSecond: BOT_GLOBAL_LIMIT_PER_S });
  const book = new ArrivalBook();
  const runs = new Map<number, { run: string; count: number }>();
  const byName = new Map<string, number>();
  const baselineRuns = new Set<string>();
  /** Thread (= card message) id → channel, from the thread-start requests seen so far. */
  const threads = new Map<string, string>();
  let nextIndex = 1;

  const locate = (channel: string): { run: string; seq: number } | undefined => {
    const offset = Number(channel) - CHANNEL_ORIGIN;
    if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
    const index = Math.floor(offset / CHANNEL_SPAN);
    const entry = runs.get(index);
    return entry ? { run: entry.run, seq: offset - index * CHANNEL_SPAN } : undefined;
  };

  fake.interactionChannel = (token) => {
    const m = /^bench\.([A-Za-z0-9]+)\.(\d+)$/.exec(token);
    const index = m ? byName.get(m[1]!) : undefined;
    if (index === undefined) return undefined;
    return String(CHANNEL_ORIGIN + index * CHANNEL_SPAN + (Number(m![2]) % runs.get(index)!.count));
  };

  /** Requests per run, for BENCH_DISCORD_FAKE_LOG: bot-token ones by second, 429s, webhooks. */
  const counts = { bot: new Map<number, number>(), limited: 0, webhook: 0 };
  const statsFile = process.env.BENCH_DISCORD_FAKE_LOG;

  const drain = () => {
    const batch = fake.requests.splice(0);
    fake.followUps.length = 0;
    fake.originalEdits.length = 0;
    for (const request of batch) {
      const ok = (request.status ?? 200) < 300;
      if (request.path.startsWith('/webhooks/')) counts.webhook++;
      else {
        const second = Math.floor(request.at / 1000);
        counts.bot.set(second, (counts.bot.get(second) ?? 0) + 1);
        if (request.status === 429) counts.limited++;
      }
      if (request.method !== 'POST' || !ok) continue;
      let m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(request.path);
      if (m) {
        threads.set(m[2]!, m[1]!);
        continue;
      }
      m = /^\/channels\/(\d+)\/messages$/.exec(request.path);
      if (m) {
        const thread = threads.get(m[1]!);
        const where = locate(thread ?? m[1]!);
        if (!where) continue;
        if (thread) book.reply(where.run, where.seq, request.at);
        else book.parent(where.run, where.seq, request.at);
        continue;
      }
      // The baseline's follow-up is its reply; Threadline's public one is the card (an ephemeral
      // one only reports a failed page).
      m = /^\/webhooks\/\d+\/bench\.([A-Za-z0-9]+)\.(\d+)$/.exec(request.path);
      if (!m) continue;
      if (baselineRuns.has(m[1]!)) book.reply(m[1]!, Number(m[2]), request.at);
      else if (((request.json as { flags?: number } | undefined)?.flags ?? 0) === 0)
        book.parent(m[1]!, Number(m[2]), request.at);
    }
  };
  setInterval(drain, 20);

  const report = (run: string) => {
    const bot = [...counts.bot.values()];
    const total = bot.reduce((sum, n) => sum + n, 0);
    if (statsFile)
      appendFileSync(
        statsFile,
        `${run}: bot-token requests ${total} (busiest second ${Math.max(0, ...bot)}), answered 429 by the global limit ${counts.limited}; interaction webhook requests ${counts.webhook}\n`,
      );
    counts.bot.clear();
    counts.limited = 0;
    counts.webhook = 0;
  };

  book.serve(
    { apiUrl: fake.apiUrl, token: fake.botToken },
    {
      onPrepare: (run, count, params) => {
        const channels = Math.min(count, CHANNEL_SPAN);
        const index = nextIndex++;
        runs.set(index, { run, count: channels });
        byName.set(run, index);
        if (params.system === 'baseline') baselineRuns.add(run);
        const channelBase = CHANNEL_ORIGIN + index * CHANNEL_SPAN;
        for (let seq = 0; seq < channels; seq++) if (isPage(seq)) fake.addChannel(String(channelBase + seq));
        return { channelBase, channels };
      },
      onForget: (run) => {
        drain();
        report(run);
        const index = byName.get(run);
        if (index === undefined) return;
        for (const [thread, parent] of fake.threads) {
          if (locate(parent)?.run !== run) continue;
          fake.threads.delete(thread);
          fake.channels.delete(thread);
        }
        for (const [thread, parent] of threads) if (locate(parent)?.run === run) threads.delete(thread);
        const channelBase = CHANNEL_ORIGIN + index * CHANNEL_SPAN;
        for (let seq = 0; seq < runs.get(index)!.count; seq++)
          fake.channels.delete(String(channelBase + seq));
        runs.delete(index);
        byName.delete(run);
        baselineRuns.delete(run);
      },
    },
  );
}

/**
 * The baseline: node:http, the Ed25519 check over timestamp + body (and the 5-minute window),
 * PING answered, everything else one BullMQ job and a type 5 (deferred) answer; a worker sends one
 * follow-up through the interaction's webhook.
 */
export async function discordBaselineChild(options: {
  redisUrl: string;
  prefix: string;
  apiUrl: string;
  publicKey: string;
}): Promise<void> {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(options.publicKey, 'hex').toString('base64url') },
    format: 'jwk',
  });
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('baseline', { connection, prefix: options.prefix });
  const api = new URL(options.apiUrl);
  const discord = new Pool(api.origin, { connections: 32, pipelining: 1 });
  const worker = new Worker(
    'baseline',
    async (job) => {
      const response = await discord.request({
        path: `${api.pathname}/webhooks/${APPLICATION_ID}/${job.data.token}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'done', allowed_mentions: { parse: [] } }),
      });
      await response.body.dump();
    },
    { connection: workerConnection, prefix: options.prefix, concurrency: 50 },
  );
  const answer = (res: import('node:http').ServerResponse, status: number, body: object) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/discord/interactions') return answer(res, 404, {});
      const raw = Buffer.concat(chunks);
      const signature = req.headers['x-signature-ed25519'];
      const timestamp = req.headers['x-signature-timestamp'];
      let valid = false;
      if (typeof signature === 'string' && typeof timestamp === 'string' && /^\d{1,12}$/.test(timestamp)) {
        try {
          valid =
            verify(null, Buffer.concat([Buffer.from(timestamp), raw]), key, Buffer.from(signature, 'hex')) &&
            Math.abs(Date.now() / 1000 - Number(timestamp)) <= SIGNATURE_MAX_AGE_S;
        } catch {
          valid = false;
        }
      }
      if (!valid) return answer(res, 401, { error: 'bad_signature' });
      let interaction: { type?: number; token?: string; channel_id?: string };
      try {
        interaction = JSON.parse(raw.toString('utf8'));
      } catch {
        return answer(res, 400, { error: 'bad_json' });
      }
      if (interaction.type === 1) return answer(res, 200, { type: 1 });
      queue
        .add(
          'interaction',
          { token: interaction.token, channel: interaction.channel_id },
          { removeOnComplete: true, removeOnFail: true },
        )
        .then(
          () => answer(res, 200, { type: 5, data: { flags: 64 } }),
          () => answer(res, 500, { error: 'queue' }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void Promise.allSettled([worker.close(), queue.close(), discord.close()]).finally(() => {
      connection.disconnect();
      workerConnection.disconnect();
      process.exit(0);
    });
  });
  serveRpc({}, { url: `http://127.0.0.1:${port}` });
}
