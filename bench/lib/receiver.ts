/**
 * Webhook receivers (forked child): one plain node:http server per endpoint name, all in this
 * process. Each request's arrival time and x-delivery-id are recorded; the parent reads the
 * figures over IPC. Threadline's payloads carry the bench tag as a top-level `bench` key;
 * Alertmanager's (webhook version 4) carry it in each alert's labels and annotations. `holdMs`
 * keeps every request open that long before answering 200, and `detailed` keeps one entry per
 * request (for the crash bench, a few hundred requests).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchTagsOf, isAlertmanagerPayload } from './alertmanager-payload.js';
import { now } from './env.js';
import { serveRpc } from './ipc.js';
import { type BenchTag, Recorder } from './recorder.js';

export interface ReceiverOptions {
  names: string[];
  holdMs: number;
  detailed: boolean;
}

export interface ReceiverReady {
  ports: number[];
}

export interface RequestEntry {
  eventId: string;
  endpoint: string;
  deliveryId: string;
  webhookId: string;
  seq: number;
  arrival: number;
  /** When the 200 was written, or when the connection went away first. */
  endedAt?: number;
  outcome: 'open' | 'answered' | 'aborted';
}

const options = JSON.parse(process.argv[2] ?? '{}') as ReceiverOptions;
const recorder = new Recorder();
/** Per run: which sequence numbers the bench saw accepted (sent once, after the load). */
const accepted = new Map<string, Uint8Array>();
const entries: RequestEntry[] = [];
let untagged = 0;
let malformedLogged = 0;
let open = 0;

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === 'string' ? value : '';
}

/** An Alertmanager notification: one delivery per bench alert in it (it has no delivery id to check). */
function recordAlerts(body: unknown, slot: number, arrival: number): void {
  try {
    const { tags, foreign } = benchTagsOf(body);
    for (const alertTag of tags) recorder.record(alertTag, slot, arrival, true);
    untagged += foreign;
  } catch (error) {
    untagged++;
    if (malformedLogged++ < 5)
      process.stderr.write(`malformed Alertmanager payload: ${(error as Error).message}\n`);
  }
}

function handle(slot: number, name: string, req: IncomingMessage, res: ServerResponse): void {
  const arrival = now();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const payload = (typeof body === 'object' && body !== null ? body : {}) as {
      id?: string;
      bench?: BenchTag;
    };
    const tag = payload.bench;
    const eventId = payload.id ?? '';
    const deliveryId = header(req, 'x-delivery-id');
    const webhookId = header(req, 'webhook-id');
    if (tag && typeof tag.seq === 'number') {
      const idOk = deliveryId === `${eventId}.webhooks.${name}` && webhookId === deliveryId;
      recorder.record(tag, slot, arrival, idOk);
    } else if (isAlertmanagerPayload(body)) {
      recordAlerts(body, slot, arrival);
    } else {
      untagged++;
    }
    let entry: RequestEntry | undefined;
    if (options.detailed) {
      entry = {
        eventId,
        endpoint: name,
        deliveryId,
        webhookId,
        seq: tag?.seq ?? -1,
        arrival,
        outcome: 'open',
      };
      entries.push(entry);
    }
    open++;
    let ended = false;
    const end = (outcome: 'answered' | 'aborted') => {
      if (ended) return;
      ended = true;
      open--;
      if (entry) {
        entry.outcome = outcome;
        entry.endedAt = now();
      }
    };
    res.on('close', () => end(res.writableFinished ? 'answered' : 'aborted'));
    const answer = () => {
      if (res.destroyed) return end('aborted');
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    };
    if (options.holdMs > 0) setTimeout(answer, options.holdMs);
    else answer();
  });
}

const ports = await Promise.all(
  options.names.map(
    (name, slot) =>
      new Promise<number>((resolve, reject) => {
        const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => handle(slot, name, req, res));
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      }),
  ),
);

serveRpc(
  {
    stats: (params) => ({ ...recorder.stats(params as Parameters<Recorder['stats']>[0]), untagged }),
    unique: (params) => recorder.uniqueCount((params as { run: string }).run),
    setAccepted: (params) => {
      accepted.set((params as { run: string }).run, (params as { accepted: Uint8Array }).accepted);
      return true;
    },
    check: (params) => {
      const { run, slots } = params as { run: string; slots: number };
      return recorder.check({ run, slots, accepted: accepted.get(run) ?? new Uint8Array(0) });
    },
    entries: () => entries,
    open: () => open,
  },
  { ports } satisfies ReceiverReady,
);
