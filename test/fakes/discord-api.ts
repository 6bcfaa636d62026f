import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { request } from 'undici';
import { type DiscordMessageJson, messageProblem } from './discord-webhook.js';
import { closeLoopback, listenLoopback } from './loopback.js';

/**
 * A loopback Discord REST API for the routes Threadline's Discord platform calls: channel
 * messages (create, edit), threads from messages, DM channels, interaction follow-ups and
 * @original edits, and the bulk overwrite of application commands. It keeps the state those
 * routes change, answers with Discord's error bodies (10003 Unknown Channel, 50001 Missing
 * Access, 160004 thread exists, 10015 Unknown Webhook, 50035 Invalid Form Body …), checks the
 * bot token, and can be scripted to answer anything (a 429 with retry_after) for the next
 * matching request.
 *
 * Interactions: a public follow-up lands in the interaction's channel, which Discord knows from
 * the token; tell the fake with `interaction(token, channel)` (or `interactionChannel` for tokens
 * it can work out). Ephemeral follow-ups need no channel. An interaction answered with a deferred
 * "thinking…" response (`deferredFlags`) turns its first follow-up into the edit of that response,
 * keeping the response's flags, until @original is edited: Discord's documented behaviour.
 *
 * `globalLimitPerSecond` applies Discord's per-bot global limit to the requests that carry the
 * bot token, never to interaction webhooks: over it, a 429 with X-RateLimit-Global.
 */

export interface RecordedRequest {
  method: string;
  /** Path below the API root, e.g. `/channels/123/messages`. */
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  json: unknown;
  at: number;
  /** The status the fake answered. */
  status?: number;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

interface Script {
  method?: string;
  path?: RegExp;
  reply: ScriptedReply;
}

export interface ButtonJson {
  type: number;
  style?: number;
  label?: string;
  custom_id?: string;
  url?: string;
}

export interface ActionRowJson {
  type: number;
  components?: ButtonJson[];
}

export interface MessageBody extends DiscordMessageJson {
  components?: ActionRowJson[];
  flags?: number;
}

export interface StoredMessage extends MessageBody {
  id: string;
  channel_id: string;
  edits: number;
  /** Set on messages created through an interaction's webhook: the application id. */
  webhook_id?: string;
}

export interface FollowUp {
  token: string;
  body: MessageBody;
}

export const API_VERSION_PATH = '/api/v10';

interface InteractionState {
  channel: string;
  /** The flags of a deferred response that has not been edited yet. */
  loading?: { id: string; flags: number };
}

export interface FakeDiscordOptions {
  botToken?: string;
  /** Requests per second allowed with the bot token (Discord: 50); unset = no limit. */
  globalLimitPerSecond?: number;
}

export class FakeDiscordApi {
  readonly requests: RecordedRequest[] = [];
  /** channel id → messages in posting order. */
  readonly channels = new Map<string, StoredMessage[]>();
  /** thread id (= starter message id) → parent channel id. */
  readonly threads = new Map<string, string>();
  readonly followUps: FollowUp[] = [];
  readonly originalEdits: FollowUp[] = [];
  readonly dmChannels = new Map<string, string>();
  commands: Array<Record<string, unknown> & { id: string; name: string }> = [];
  /** Where a token's public follow-ups land when it was not registered with `interaction()`. */
  interactionChannel?: (token: string) => string | undefined;
  /** Bot-token requests answered 429 by the global limit. */
  globalLimited = 0;
  private readonly denied = new Set<string>();
  private readonly expiredTokens = new Set<string>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly scripts: Script[] = [];
  private nextId = 1_300_000_000_000_000_000n;
  private readonly globalBucket: { tokens: number; at: number };

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    readonly botToken: string,
    private readonly globalLimit: number | undefined,
  ) {
    this.globalBucket = { tokens: globalBurst(globalLimit ?? 0), at: Date.now() };
  }

  static async start(options: string | FakeDiscordOptions = {}): Promise<FakeDiscordApi> {
    const { botToken = 'fake-discord-bot-token-0123456789', globalLimitPerSecond } =
      typeof options === 'string' ? { botToken: options } : options;
    let fake: FakeDiscordApi | undefined;
    const { server, baseUrl } = await listenLoopback((r, res) =>
      fake?.handle(r.method, r.url, r.headers, r.raw, res),
    );
    fake = new FakeDiscordApi(server, baseUrl, botToken, globalLimitPerSecond);
    return fake;
  }

  /** What goes into platforms.discord.api_url. */
  get apiUrl(): string {
    return `${this.baseUrl}${API_VERSION_PATH}`;
  }

  /** A snowflake-shaped id, unique in this fake. */
  snowflake(): string {
    return String(this.nextId++);
  }

  /** A text channel the bot can see and post in. */
  addChannel(id = this.snowflake()): string {
    if (!this.channels.has(id)) this.channels.set(id, []);
    return id;
  }

  /** A channel that exists but the bot cannot see: 403 code 50001 Missing Access. */
  denyChannel(id: string): void {
    this.addChannel(id);
    this.denied.add(id);
  }

  /** An interaction token older than 15 minutes: 404 code 10015 Unknown Webhook. */
  expireToken(token: string): void {
    this.expiredTokens.add(token);
  }

  /**
   * An interaction Discord sent from `channel` (or a thread, which is a channel too), answered
   * with a message, or with a deferred response carrying `deferredFlags` (64: ephemeral).
   */
  interaction(token: string, channel: string, options: { deferredFlags?: number } = {}): void {
    this.interactions.set(token, {
      channel,
      ...(options.deferredFlags === undefined
        ? {}
        : { loading: { id: this.snowflake(), flags: options.deferredFlags } }),
    });
  }

  forgetInteraction(token: string): void {
    this.interactions.delete(token);
  }

  /** The next request matching method and path gets this reply instead of the normal one. */
  script(reply: ScriptedReply, match: { method?: string; path?: RegExp } = {}): void {
    this.scripts.push({ ...match, reply });
  }

  messages(channel: string): StoredMessage[] {
    return this.channels.get(channel) ?? [];
  }

  /** Requests carrying a message body (posts, edits, follow-ups), for checks on every one of them. */
  messageRequests(): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        (r.method === 'POST' || r.method === 'PATCH') &&
        (/^\/channels\/\d+\/messages(\/\d+)?$/.test(r.path) || r.path.startsWith('/webhooks/')),
    );
  }

  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  async close(): Promise<void> {
    await closeLoopback(this.server);
  }

  private handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    raw: string,
    res: ServerResponse,
  ): void {
    const full = new URL(url, this.baseUrl).pathname;
    const path = full.startsWith(API_VERSION_PATH) ? full.slice(API_VERSION_PATH.length) : full;
    let json: unknown;
    try {
      json = raw ? JSON.parse(raw) : undefined;
    } catch {
      json = undefined;
    }
    const record: RecordedRequest = { method, path, headers, raw, json, at: Date.now() };
    this.requests.push(record);
    const scripted = this.scripts.findIndex(
      (s) => (!s.method || s.method === method) && (!s.path || s.path.test(path)),
    );
    let reply: ScriptedReply;
    if (scripted !== -1) {
      reply = this.scripts[scripted]!.reply;
      this.scripts.splice(scripted, 1);
    } else if (!full.startsWith(API_VERSION_PATH)) {
      reply = error(404, 0, '404: Not Found');
    } else {
      reply = this.route(method, path, headers, json);
    }
    record.status = reply.status ?? 200;
    const body =
      typeof reply.body === 'string'
        ? reply.body
        : reply.body === undefined
          ? ''
          : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...reply.headers,
    });
    res.end(body);
  }

  private route(method: string, path: string, headers: IncomingHttpHeaders, json: unknown): ScriptedReply {
    // Interaction webhooks are authorised by their token, not the bot token.
    let m = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/.exec(path);
    if (m) return this.interactionWebhook(method, m[1]!, decodeURIComponent(m[2]!), Boolean(m[3]), json);
    if (headers.authorization !== `Bot ${this.botToken}`) return error(401, 0, '401: Unauthorized');
    const wait = this.takeGlobal();
    if (wait > 0) {
      this.globalLimited++;
      return {
        status: 429,
        headers: {
          'retry-after': String(Math.ceil(wait / 1000)),
          'x-ratelimit-global': 'true',
          'x-ratelimit-scope': 'global',
        },
        body: { message: 'You are being rate limited.', retry_after: wait / 1000, global: true },
      };
    }

    m = /^\/applications\/(\d+)\/(?:guilds\/\d+\/)?commands$/.exec(path);
    if (m) {
      if (method === 'GET') return { body: this.commands };
      if (method !== 'PUT') return error(405, 0, '405: Method Not Allowed');
      if (!Array.isArray(json)) return invalidForm('body must be an array of commands');
      const appId = m[1]!;
      // Bulk overwrite: commands keep their id when their name stays, like Discord does.
      this.commands = json.map((command: Record<string, unknown>) => {
        const name = String(command.name);
        const id = this.commands.find((c) => c.name === name)?.id ?? this.snowflake();
        return { ...command, id, name, application_id: appId, version: this.snowflake() };
      });
      return { body: this.commands };
    }
    if (path === '/users/@me/channels' && method === 'POST') {
      const recipient = (json as { recipient_id?: string } | undefined)?.recipient_id;
      if (!recipient) return invalidForm('recipient_id is required');
      let channel = this.dmChannels.get(recipient);
      if (!channel) {
        channel = this.addChannel();
        this.dmChannels.set(recipient, channel);
      }
      return { body: { id: channel, type: 1, recipients: [{ id: recipient }] } };
    }
    m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path);
    if (m && method === 'POST') {
      const [channel, message] = [m[1]!, m[2]!];
      const access = this.access(channel);
      if (access) return access;
      if (!this.messages(channel).some((x) => x.id === message)) return error(404, 10008, 'Unknown Message');
      if (this.threads.has(message))
        return error(400, 160004, 'A thread has already been created for this message');
      const name = (json as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 100)
        return invalidForm('name must be 1-100 characters');
      this.threads.set(message, channel);
      this.channels.set(message, []);
      return { status: 201, body: { id: message, type: 11, parent_id: channel, name } };
    }
    m = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (m && method === 'POST') {
      const channel = m[1]!;
      const access = this.access(channel);
      if (access) return access;
      const problem = bodyProblem(json);
      if (problem) return invalidForm(problem);
      const stored: StoredMessage = {
        ...(json as MessageBody),
        id: this.snowflake(),
        channel_id: channel,
        edits: 0,
      };
      this.channels.get(channel)!.push(stored);
      return { body: stored };
    }
    m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path);
    if (m && method === 'PATCH') {
      const [channel, id] = [m[1]!, m[2]!];
      const access = this.access(channel);
      if (access) return access;
      const stored = this.messages(channel).find((x) => x.id === id);
      if (!stored) return error(404, 10008, 'Unknown Message');
      const problem = bodyProblem(json);
      if (problem) return invalidForm(problem);
      Object.assign(stored, json as MessageBody, { edits: stored.edits + 1 });
      return { body: stored };
    }
    return error(404, 0, '404: Not Found');
  }

  /** Follow-ups and @original edits: authorised by the interaction's token, outside the global limit. */
  private interactionWebhook(
    method: string,
    applicationId: string,
    token: string,
    original: boolean,
    json: unknown,
  ): ScriptedReply {
    if (this.expiredTokens.has(token)) return error(404, 10015, 'Unknown Webhook');
    const problem = bodyProblem(json);
    if (problem) return invalidForm(problem);
    const body = json as MessageBody;
    const state = this.interactions.get(token);
    if (original && method === 'PATCH') {
      this.originalEdits.push({ token, body });
      const id = state?.loading?.id ?? this.snowflake();
      if (state) state.loading = undefined;
      return { status: 200, body: { id, channel_id: state?.channel ?? '0', ...body } };
    }
    if (original || method !== 'POST') return error(405, 0, '405: Method Not Allowed');
    const channel = state?.channel ?? this.interactionChannel?.(token);
    if (state?.loading) {
      // The first follow-up after a deferred response edits it, and the response keeps its flags.
      const { id, flags } = state.loading;
      state.loading = undefined;
      this.originalEdits.push({ token, body });
      return {
        status: 200,
        body: { ...body, id, channel_id: state.channel, flags, webhook_id: applicationId },
      };
    }
    this.followUps.push({ token, body });
    if (((body.flags ?? 0) & 64) !== 0)
      return { status: 200, body: { ...body, id: this.snowflake(), channel_id: channel ?? '0' } };
    if (!channel) return error(404, 10015, 'Unknown Webhook');
    // The interaction came from this channel, and a follow-up needs no bot permission in it.
    if (!this.channels.has(channel)) this.channels.set(channel, []);
    const stored: StoredMessage = {
      ...body,
      id: this.snowflake(),
      channel_id: channel,
      edits: 0,
      webhook_id: applicationId,
    };
    this.channels.get(channel)!.push(stored);
    return { body: stored };
  }

  /** 0 when a bot-token request may go now, else the milliseconds until it may. */
  private takeGlobal(): number {
    const limit = this.globalLimit;
    if (!limit) return 0;
    const now = Date.now();
    const bucket = this.globalBucket;
    bucket.tokens = Math.min(globalBurst(limit), bucket.tokens + ((now - bucket.at) / 1000) * limit);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / limit) * 1000);
  }

  private access(channel: string): ScriptedReply | undefined {
    if (this.denied.has(channel)) return error(403, 50001, 'Missing Access');
    if (!this.channels.has(channel)) return error(404, 10003, 'Unknown Channel');
    return undefined;
  }
}

/**
 * A client that keeps to `limit` requests in each of its own one-second windows (discord.js opens
 * the next window when the last has ended) can send two windows' worth back to back, plus a little
 * network jitter; a higher sustained rate still runs dry.
 */
function globalBurst(limit: number): number {
  return Math.ceil(limit * 2.1);
}

function error(status: number, code: number, message: string): ScriptedReply {
  return { status, body: { message, code } };
}

function invalidForm(problem: string): ScriptedReply {
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors: { detail: problem } } };
}

/** The message limits Discord enforces, components included. */
export function bodyProblem(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return 'the body must be a JSON object';
  const body = json as MessageBody;
  if (!body.content && (body.embeds ?? []).length === 0 && (body.components ?? []).length === 0)
    return 'Cannot send an empty message';
  const problem = messageProblem({ ...body, content: body.content ?? 'x' });
  if (problem) return problem;
  const rows = body.components ?? [];
  if (rows.length > 5) return 'more than 5 action rows';
  const ids = new Set<string>();
  for (const row of rows) {
    if (row.type !== 1) return 'top-level components must be action rows';
    const buttons = row.components ?? [];
    if (buttons.length < 1 || buttons.length > 5) return 'an action row needs 1-5 buttons';
    for (const b of buttons) {
      if (b.type !== 2) return 'only buttons are expected';
      if ((b.label?.length ?? 0) > 80) return 'button label over 80';
      if (b.style === 5) continue;
      if (![1, 2, 3, 4].includes(b.style ?? 0)) return 'invalid button style';
      if (!b.custom_id || b.custom_id.length > 100) return 'custom_id must be 1-100 characters';
      if (ids.has(b.custom_id)) return 'custom_id must be unique in a message';
      ids.add(b.custom_id);
    }
  }
  return undefined;
}

/**
 * Discord's side of an interaction: the application's Ed25519 key pair (a fresh one per test),
 * signing `timestamp + body` like Discord does, and sending the interaction to our endpoint.
 */
export class InteractionSender {
  readonly publicKeyHex: string;
  private readonly privateKey: KeyObject;

  constructor(keys = generateKeyPairSync('ed25519')) {
    this.privateKey = keys.privateKey;
    const jwk = keys.publicKey.export({ format: 'jwk' });
    this.publicKeyHex = Buffer.from(jwk.x!, 'base64url').toString('hex');
  }

  signature(body: string, timestamp: string): string {
    return sign(null, Buffer.from(timestamp + body), this.privateKey).toString('hex');
  }

  async send(
    url: string,
    payload: unknown,
    options: {
      timestamp?: string;
      signature?: string;
      headers?: Record<string, string>;
      omitSignature?: boolean;
    } = {},
  ): Promise<{ status: number; json: InteractionAnswer }> {
    const body = JSON.stringify(payload);
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (!options.omitSignature) {
      headers['x-signature-ed25519'] = options.signature ?? this.signature(body, timestamp);
      headers['x-signature-timestamp'] = timestamp;
    }
    const response = await request(url, { method: 'POST', headers, body });
    const text = await response.body.text();
    return { status: response.statusCode, json: (text ? JSON.parse(text) : {}) as InteractionAnswer };
  }
}

/** What our endpoint answers: an interaction callback (or an error body). */
export interface InteractionAnswer {
  type?: number;
  data?: MessageBody;
  error?: { code: string; message: string };
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are free-form JSON that tests reshape
export type Fixture = Record<string, any>;

/** A documented interaction payload from test/fixtures/discord, as a fresh mutable copy. */
export function interactionFixture(name: string): Fixture {
  const url = new URL(`../fixtures/discord/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Fixture;
}
