/**
 * bench:ack for Slack: signed `POST /slack/events` slash commands, the loopback fake Slack (which
 * records each chat.postMessage's arrival) and the bare Bolt baseline.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { slackSignature } from '../../src/platforms/slack/verify.js';
import { FakeSlack, type RecordedRequest } from '../../test/fakes/slack-api.js';
import { type AckClient, type AckPlatform, ArrivalBook, type FakeReady, isPage } from './ack-platform.js';
import { serveRpc } from './ipc.js';

// One secret per run, shared with the forked children through the environment they inherit.
process.env.BENCH_ACK_SIGNING_SECRET ??= `bench-signing-${randomBytes(8).toString('hex')}`;
const SIGNING_SECRET = process.env.BENCH_ACK_SIGNING_SECRET;
const USER = 'UBENCH';
const TEAM = 'T0BENCH';

interface SlackReady extends FakeReady {
  baseUrl: string;
  apiUrl: string;
  token: string;
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

export const slackAck: AckPlatform<SlackReady> = {
  name: 'slack',
  unit: 'commands',
  fakeRole: 'fake-slack',
  baselineRole: 'baseline-slack',
  threadlineConfig: (fake) => ({
    platforms: {
      slack: { enabled: true, api_url: fake.apiUrl, bot_token: fake.token, signing_secret: SIGNING_SECRET },
    },
    rbac: { roles: { responder: [`slack:${USER}`] } },
  }),
  baselineOptions: (fake) => ({ apiUrl: fake.apiUrl, token: fake.token }),
  client({ url, fake, run, connections, timeoutMs }): AckClient {
    const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
    return {
      // True on a 200 carrying the ephemeral answer.
      async send(seq) {
        const body = commandBody(run, seq, fake.baseUrl);
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await pool.request({
          path: '/slack/events',
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
          },
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.body.text();
        return response.statusCode === 200 && text.includes('"ephemeral"');
      },
      close: () => pool.destroy(),
    };
  },
  text: {
    ack: 'scheduled send time → 200 with the ephemeral answer',
    reply: 'scheduled send time → chat.postMessage at the fake Slack',
    baselineReply: 'one threaded reply',
    note: 'Threadline posts the incident card and then its reply into the same channel, and paces every channel to one message a second (Slack’s limit), so its reply lands about 1 s after the card by design.',
  },
};

/** The fake Slack: records when each command's card and threaded reply arrive, per run and sequence number. */
export async function fakeSlackChild(): Promise<void> {
  const book = new ArrivalBook();
  const onRequest = (request: RecordedRequest) => {
    if (request.path !== '/api/chat.postMessage') return;
    const body = request.json as { channel?: string; thread_ts?: string } | undefined;
    const match = /^C([A-Za-z0-9]+)-(\d+)$/.exec(body?.channel ?? '');
    if (!match) return;
    if (body?.thread_ts) book.reply(match[1]!, Number(match[2]), request.at);
    else book.parent(match[1]!, Number(match[2]), request.at);
  };
  const slack = await FakeSlack.start({ channels: ['*'], record: false, onRequest });
  book.serve({ baseUrl: slack.baseUrl, apiUrl: slack.apiUrl, token: slack.token });
}

/** The baseline: Bolt's own HTTPReceiver; every command becomes one BullMQ job and an ephemeral ack; a worker posts one threaded reply. */
export async function slackBaselineChild(options: {
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
