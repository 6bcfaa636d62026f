import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback Slack: the incoming-webhook endpoint, the Web API methods Threadline calls
 * (chat.postMessage, chat.update, chat.postEphemeral, auth.test, apps.connections.open),
 * response_urls, and a Socket Mode WebSocket. It answers the way Slack does (webhooks:
 * plain-text bodies and HTTP statuses; Web API: HTTP 200 with `{ok:false,error}`, 429 with
 * Retry-After), enforces the Block Kit limits Slack enforces, keeps each channel's messages so
 * updates and threads can be checked, and records every request with its arrival time.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  json: unknown;
  /** Arrival, in wall-clock ms with sub-ms resolution (performance.timeOrigin + performance.now()). */
  at: number;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Never answer: the caller waits until its own timeout (or the fake closes). */
  hang?: boolean;
}

export interface SlackElementJson {
  type: string;
  text: string;
}

export interface SlackBlockJson {
  type: string;
  block_id?: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
  /** Context elements (text objects); an actions block's elements are `SlackButtonJson`s. */
  elements?: SlackElementJson[];
}

export interface SlackButtonJson {
  type: string;
  action_id?: string;
  text?: { type: string; text: string; emoji?: boolean };
  value?: string;
  style?: string;
  confirm?: Record<string, { type: string; text: string } | string>;
}

export interface SlackMessageJson {
  channel?: string;
  text?: string;
  blocks?: SlackBlockJson[];
  unfurl_links?: boolean;
  thread_ts?: string;
  ts?: string;
  user?: string;
  response_type?: string;
  replace_original?: boolean;
}

/** A message as the fake keeps it: what a channel would show, with every version of it. */
export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: SlackBlockJson[];
  /** Earlier versions, oldest first (chat.update). */
  versions: Array<{ text?: string; blocks?: SlackBlockJson[] }>;
  at: number;
}

export interface EphemeralMessage {
  via: 'chat.postEphemeral' | 'response_url';
  channel?: string;
  user?: string;
  thread_ts?: string;
  text?: string;
  blocks?: SlackBlockJson[];
  responseUrl?: string;
  at: number;
}

export interface FakeSlackOptions {
  token?: string;
  /** Channels chat.* accepts (names like "#engineering" or ids like "C0ENGINEER"; "*" for any). */
  channels?: string[];
  appToken?: string;
  /** Keep every request in `requests` (off for benchmarks, which only need `onRequest`). */
  record?: boolean;
  onRequest?: (request: RecordedRequest) => void;
}

const WEBHOOK_PATH = '/services/T0THREAD/B0LINE/w3bh00kS3cr3tPathToken';
const RESPONSE_PREFIX = '/response/';
const SOCKET_PATH = '/link/';
const RESPONSE_URL_USES = 5;

/** Web API arguments Slack reads as JSON or as booleans when they come form-encoded. */
const JSON_ARGUMENTS = new Set(['blocks', 'attachments', 'metadata']);
const BOOLEAN_ARGUMENTS = new Set(['unfurl_links', 'unfurl_media', 'mrkdwn', 'reply_broadcast', 'as_user']);

/** A body as Slack reads it: JSON, or a Web API call's form fields (what Slack's SDKs send). */
function parseBody(contentType: string | undefined, raw: string): unknown {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      if (BOOLEAN_ARGUMENTS.has(key)) fields[key] = value === 'true';
      else if (JSON_ARGUMENTS.has(key)) fields[key] = parseJson(value) ?? value;
      else fields[key] = value;
    }
    return fields;
  }
  return parseJson(raw);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export class FakeSlack {
  readonly requests: RecordedRequest[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private readonly scriptedFor = new Map<string, ScriptedReply[]>();
  private readonly store = new Map<string, StoredMessage[]>();
  private readonly responseUses = new Map<string, number>();
  private readonly sockets = new Set<FakeSocket>();
  private nextTs = 1_700_000_000_000_100;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    readonly token: string,
    readonly channels: ReadonlySet<string>,
    readonly appToken: string,
    private readonly options: FakeSlackOptions,
  ) {}

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      const at = wallClock();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        fake?.handle(
          { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, raw, at },
          res,
        );
      });
    });
    server.on('upgrade', (req, socket: Socket) => fake?.upgrade(req.url ?? '/', req.headers, socket));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlack(
      server,
      `http://127.0.0.1:${port}`,
      options.token ?? 'xoxb-1111-2222-s3cr3tB0tT0ken',
      new Set(options.channels ?? ['#engineering']),
      options.appToken ?? 'xapp-1-A0THREAD-3333-s3cr3tAppT0ken',
      options,
    );
    return fake;
  }

  get webhookUrl(): string {
    return `${this.baseUrl}${WEBHOOK_PATH}`;
  }

  /** The Web API base, with the trailing slash Slack's own default has. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** A fresh response_url, good for five posts like Slack's. */
  responseUrl(): string {
    const id = randomBytes(12).toString('hex');
    this.responseUses.set(id, 0);
    return `${this.baseUrl}${RESPONSE_PREFIX}T0THREAD/${id}`;
  }

  /** The next requests get these replies, in order; then Slack's normal behaviour resumes. */
  reply(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  /** Like `reply`, but only for calls of one Web API method (e.g. `chat.postMessage`). */
  replyTo(method: string, ...replies: ScriptedReply[]): void {
    const list = this.scriptedFor.get(method) ?? [];
    list.push(...replies);
    this.scriptedFor.set(method, list);
  }

  failTimes(times: number, reply: ScriptedReply): void {
    for (let i = 0; i < times; i++) this.scripted.push(reply);
  }

  messages(): SlackMessageJson[] {
    return this.requests.map((r) => r.json as SlackMessageJson);
  }

  /** Recorded calls of one Web API method, in arrival order. */
  calls(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.split('?')[0] === `/api/${method}`);
  }

  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('FakeSlack received no request');
    return request;
  }

  /** What the channel shows: top-level messages and thread replies, in posting order. */
  history(channel: string): StoredMessage[] {
    return this.store.get(channel) ?? [];
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.history(channel).find((m) => m.ts === ts);
  }

  replies(channel: string, threadTs: string): StoredMessage[] {
    return this.history(channel).filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  clear(): void {
    this.requests.length = 0;
    this.ephemerals.length = 0;
    this.store.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /* ----------------------------- Socket Mode ----------------------------- */

  get socketCount(): number {
    return this.sockets.size;
  }

  /**
   * Sends an envelope to the connected app (as Slack does over Socket Mode) and resolves with
   * the app's acknowledgement: `{ envelope_id, payload? }`.
   */
  sendEnvelope(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
    options: { timeoutMs?: number; retryAttempt?: number } = {},
  ): Promise<{ envelope_id: string; payload?: Record<string, unknown> }> {
    const socket = [...this.sockets].at(-1);
    if (!socket) return Promise.reject(new Error('no Socket Mode client is connected'));
    const envelopeId = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ack for envelope ${envelopeId}`)),
        options.timeoutMs ?? 5_000,
      );
      socket.waiting.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack as { envelope_id: string; payload?: Record<string, unknown> });
      });
      socket.sendText(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: options.retryAttempt ?? 0,
          retry_reason: '',
        }),
      );
    });
  }

  private upgrade(url: string, headers: IncomingHttpHeaders, socket: Socket): void {
    const key = headers['sec-websocket-key'];
    if (!url.startsWith(SOCKET_PATH) || typeof key !== 'string') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const fake = new FakeSocket(socket, () => this.sockets.delete(fake));
    this.sockets.add(fake);
    fake.sendText(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0THREAD' },
      }),
    );
  }

  /* ------------------------------- HTTP ---------------------------------- */

  private handle(request: Omit<RecordedRequest, 'json'>, res: ServerResponse): void {
    const recorded = { ...request, json: parseBody(request.headers['content-type'], request.raw) };
    if (this.options.record !== false) this.requests.push(recorded);
    this.options.onRequest?.(recorded);
    const path = request.path.split('?')[0]!;
    const method = path.startsWith('/api/') ? path.slice('/api/'.length) : path;
    const scripted = this.scriptedFor.get(method)?.shift() ?? this.scripted.shift();
    send(res, scripted ?? this.normalReply(recorded, path));
  }

  private normalReply(request: RecordedRequest, path: string): ScriptedReply {
    const { json } = request;
    if (request.method !== 'POST') return { status: 404, body: 'no_service' };
    if (path === WEBHOOK_PATH) return this.webhook(json);
    if (path.startsWith(RESPONSE_PREFIX)) return this.responseUrlPost(path, json, request.at);
    const api = (body: Record<string, unknown>): ScriptedReply => ({ status: 200, body });
    switch (path) {
      case '/api/chat.postMessage':
        return api(this.authorized(request.headers) ?? this.postMessage(json, request.at));
      case '/api/chat.update':
        return api(this.authorized(request.headers) ?? this.update(json));
      case '/api/chat.postEphemeral':
        return api(this.authorized(request.headers) ?? this.postEphemeral(json, request.at));
      case '/api/auth.test':
        return api(
          this.authorized(request.headers) ?? {
            ok: true,
            team_id: 'T0THREAD',
            user_id: 'U0BOT',
            bot_id: 'B0BOT',
          },
        );
      case '/api/apps.connections.open':
        return api(
          request.headers.authorization === `Bearer ${this.appToken}`
            ? { ok: true, url: `${this.baseUrl.replace('http', 'ws')}${SOCKET_PATH}?ticket=fake` }
            : { ok: false, error: 'invalid_auth' },
        );
      default:
        return { status: 404, body: 'no_service' };
    }
  }

  private authorized(headers: IncomingHttpHeaders): Record<string, unknown> | undefined {
    const auth = headers.authorization;
    if (!auth) return { ok: false, error: 'not_authed' };
    if (auth !== `Bearer ${this.token}`) return { ok: false, error: 'invalid_auth' };
    return undefined;
  }

  private webhook(json: unknown): ScriptedReply {
    if (json === undefined || json === null || typeof json !== 'object')
      return { status: 400, body: 'invalid_payload' };
    const message = json as SlackMessageJson;
    if (!message.text && !message.blocks) return { status: 400, body: 'no_text' };
    if (blockProblem(message.blocks)) return { status: 400, body: 'invalid_blocks' };
    return { status: 200, body: 'ok' };
  }

  private messageProblem(json: unknown): Record<string, unknown> | SlackMessageJson {
    if (json === undefined || json === null || typeof json !== 'object')
      return { ok: false, error: 'invalid_json' };
    const message = json as SlackMessageJson;
    if (!message.channel || !(this.channels.has(message.channel) || this.channels.has('*')))
      return { ok: false, error: 'channel_not_found' };
    if (!message.text && !message.blocks) return { ok: false, error: 'no_text' };
    const problem = blockProblem(message.blocks);
    if (problem) return { ok: false, error: 'invalid_blocks', errors: [problem] };
    return message;
  }

  private postMessage(json: unknown, at: number): Record<string, unknown> {
    const checked = this.messageProblem(json);
    if ('ok' in checked) return checked;
    const message = checked as SlackMessageJson;
    const channel = message.channel!;
    const keep = this.options.record !== false;
    if (keep && message.thread_ts && !this.message(channel, message.thread_ts))
      return { ok: false, error: 'thread_not_found' };
    const ts = this.newTs();
    const stored: StoredMessage = {
      channel,
      ts,
      thread_ts: message.thread_ts,
      text: message.text,
      blocks: message.blocks,
      versions: [],
      at,
    };
    if (keep) this.store.set(channel, [...this.history(channel), stored]);
    return {
      ok: true,
      // Slack answers with the channel id even when a name was given.
      channel: channel.startsWith('#') ? 'C0ENGINEER' : channel,
      ts,
      message: { text: message.text, ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
    };
  }

  private update(json: unknown): Record<string, unknown> {
    const checked = this.messageProblem(json);
    if ('ok' in checked) return checked;
    const message = checked as SlackMessageJson;
    const stored = message.ts ? this.message(message.channel!, message.ts) : undefined;
    if (!stored) return { ok: false, error: 'message_not_found' };
    stored.versions.push({ text: stored.text, blocks: stored.blocks });
    stored.text = message.text;
    stored.blocks = message.blocks;
    return { ok: true, channel: stored.channel, ts: stored.ts, text: message.text };
  }

  private postEphemeral(json: unknown, at: number): Record<string, unknown> {
    const checked = this.messageProblem(json);
    if ('ok' in checked) return checked;
    const message = checked as SlackMessageJson;
    if (!message.user) return { ok: false, error: 'user_not_in_channel' };
    if (this.options.record !== false)
      this.ephemerals.push({
        via: 'chat.postEphemeral',
        channel: message.channel,
        user: message.user,
        thread_ts: message.thread_ts,
        text: message.text,
        blocks: message.blocks,
        at,
      });
    return { ok: true, message_ts: this.newTs() };
  }

  private responseUrlPost(path: string, json: unknown, at: number): ScriptedReply {
    const id = path.split('/').at(-1) ?? '';
    const uses = this.responseUses.get(id);
    if (uses === undefined) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (uses >= RESPONSE_URL_USES) return { status: 404, body: { ok: false, error: 'used_url' } };
    if (json === undefined || json === null || typeof json !== 'object')
      return { status: 400, body: { ok: false, error: 'invalid_payload' } };
    const message = json as SlackMessageJson;
    if (!message.text && !message.blocks) return { status: 400, body: { ok: false, error: 'no_text' } };
    const problem = blockProblem(message.blocks);
    if (problem) return { status: 400, body: { ok: false, error: 'invalid_blocks', errors: [problem] } };
    this.responseUses.set(id, uses + 1);
    this.ephemerals.push({
      via: 'response_url',
      text: message.text,
      blocks: message.blocks,
      responseUrl: `${this.baseUrl}${path}`,
      at,
    });
    return { status: 200, body: { ok: true } };
  }

  private newTs(): string {
    const ts = `${Math.floor(this.nextTs / 1e6)}.${String(this.nextTs % 1e6).padStart(6, '0')}`;
    this.nextTs += 1;
    return ts;
  }
}

/** The Block Kit limits Slack rejects a message for. */
export function blockProblem(blocks: SlackBlockJson[] | undefined): string | undefined {
  if (blocks === undefined) return undefined;
  if (blocks.length > 50) return 'more than 50 blocks';
  const actionIds = new Set<string>();
  for (const block of blocks) {
    if (block.type === 'header' && (block.text?.text.length ?? 0) > 150) return 'header text over 150';
    if (block.type === 'section') {
      if (block.text && (block.text.text.length > 3000 || block.text.text.length === 0))
        return 'section text over 3000';
      if (block.fields && block.fields.length > 10) return 'more than 10 fields';
      if (block.fields?.some((f) => f.text.length > 2000 || f.text.length === 0)) return 'field over 2000';
    }
    if (block.type === 'context' && (block.elements?.length ?? 0) > 10)
      return 'more than 10 context elements';
    if (block.type === 'actions') {
      const elements = (block.elements ?? []) as unknown as SlackButtonJson[];
      if (elements.length === 0 || elements.length > 25) return 'actions block needs 1-25 elements';
      for (const element of elements) {
        const problem = buttonProblem(element, actionIds);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

function buttonProblem(button: SlackButtonJson, actionIds: Set<string>): string | undefined {
  if (button.type !== 'button') return `unexpected element ${button.type}`;
  const text = button.text?.text ?? '';
  if (button.text?.type !== 'plain_text' || text.length === 0 || text.length > 75)
    return 'button text must be plain_text of 1-75 characters';
  if (!button.action_id || button.action_id.length > 255) return 'action_id must be 1-255 characters';
  if (actionIds.has(button.action_id)) return `duplicate action_id ${button.action_id}`;
  actionIds.add(button.action_id);
  if ((button.value?.length ?? 0) > 2000) return 'button value over 2000';
  if (button.style !== undefined && button.style !== 'primary' && button.style !== 'danger')
    return `invalid button style ${button.style}`;
  if (button.confirm) {
    const limits: Record<string, number> = { title: 100, text: 300, confirm: 30, deny: 30 };
    for (const [field, max] of Object.entries(limits)) {
      const value = button.confirm[field];
      if (typeof value !== 'object' || value.text.length === 0 || value.text.length > max)
        return `confirm.${field} must be a text object of 1-${max} characters`;
    }
  }
  return undefined;
}

function send(res: ServerResponse, reply: ScriptedReply): void {
  if (reply.hang) return;
  const body =
    typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
  const type =
    typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
  res.end(body);
}

/** Just enough of RFC 6455 for Socket Mode: text frames, ping/pong, close. */
class FakeSocket {
  readonly waiting = new Map<string, (ack: unknown) => void>();
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly onClose: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on('close', onClose);
    socket.on('error', () => socket.destroy());
  }

  sendText(text: string): void {
    this.frame(0x1, Buffer.from(text, 'utf8'));
  }

  destroy(): void {
    this.socket.destroy();
    this.onClose();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed) return;
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x80 | opcode, length])
        : length < 65_536
          ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
          : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(length)]);
    this.socket.write(Buffer.concat([header, payload]));
  }

  private drain(): void {
    for (;;) {
      const frame = readFrame(this.buffer);
      if (!frame) return;
      this.buffer = this.buffer.subarray(frame.size);
      if (frame.opcode === 0x8) {
        this.frame(0x8, frame.payload.subarray(0, 2));
        this.socket.end();
        return;
      }
      if (frame.opcode === 0x9) this.frame(0xa, frame.payload);
      if (frame.opcode === 0x1 || frame.opcode === 0x0) {
        this.fragments.push(frame.payload);
        if (frame.fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onMessage(text);
        }
      }
    }
  }

  private onMessage(text: string): void {
    let message: { envelope_id?: string };
    try {
      message = JSON.parse(text) as { envelope_id?: string };
    } catch {
      return;
    }
    const id = message.envelope_id;
    if (!id) return;
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(message);
  }
}

function bigLength(length: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(length));
  return buffer;
}

function readFrame(
  buffer: Buffer,
): { fin: boolean; opcode: number; payload: Buffer; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const fin = (buffer[0]! & 0x80) !== 0;
  const opcode = buffer[0]! & 0x0f;
  const masked = (buffer[1]! & 0x80) !== 0;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskBytes = masked ? 4 : 0;
  if (buffer.length < offset + maskBytes + length) return undefined;
  const mask = masked ? buffer.subarray(offset, offset + 4) : undefined;
  const payload = Buffer.from(buffer.subarray(offset + maskBytes, offset + maskBytes + length));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { fin, opcode, payload, size: offset + maskBytes + length };
}
