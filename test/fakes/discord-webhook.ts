import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { closeLoopback, listenLoopback } from './loopback.js';

/**
 * A loopback Discord execute-webhook endpoint: validates the embed limits Discord enforces
 * (answering 400 "Invalid Form Body" like Discord), returns the message object for
 * `?wait=true` and 204 otherwise, and records every request.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: string;
  json: unknown;
  /** Arrival, in ms since the epoch. */
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

export interface DiscordEmbedJson {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
}

export interface DiscordMessageJson {
  username?: string;
  avatar_url?: string;
  content?: string;
  embeds?: DiscordEmbedJson[];
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[] };
}

const WEBHOOK_ID = '1234567890123456789';
const WEBHOOK_TOKEN = 'd1sc0rdS3cr3tW3bh00kT0k3n-abcdefghijklmnopqrstuvwxyz';

export const RATE_LIMITED_REPLY: ScriptedReply = {
  status: 429,
  headers: { 'retry-after': '2', 'x-ratelimit-scope': 'shared' },
  body: { message: 'You are being rate limited.', retry_after: 1.5, global: false },
};

export class FakeDiscordWebhook {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private nextId = 1_100_000_000_000_000_000n;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeDiscordWebhook> {
    let fake: FakeDiscordWebhook | undefined;
    const { server, baseUrl } = await listenLoopback((r, res) =>
      fake?.handle(r.method, r.url, r.headers, r.raw, res),
    );
    fake = new FakeDiscordWebhook(server, baseUrl);
    return fake;
  }

  get webhookUrl(): string {
    return `${this.baseUrl}/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}`;
  }

  get token(): string {
    return WEBHOOK_TOKEN;
  }

  reply(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  messages(): DiscordMessageJson[] {
    return this.requests.map((r) => r.json as DiscordMessageJson);
  }

  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('FakeDiscordWebhook received no request');
    return request;
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
    const at = Date.now();
    const parsed = new URL(url, this.baseUrl);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    this.requests.push({ method, path: parsed.pathname, query: parsed.searchParams, headers, raw, json, at });
    const reply = this.scripted.shift() ?? this.normalReply(method, parsed, json);
    if (reply.hang) return;
    const body =
      typeof reply.body === 'string'
        ? reply.body
        : reply.body === undefined
          ? ''
          : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(body);
  }

  private normalReply(method: string, url: URL, json: unknown): ScriptedReply {
    if (method !== 'POST' || !url.pathname.startsWith(`/api/webhooks/${WEBHOOK_ID}/`)) {
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    }
    if (url.pathname !== `/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}`) {
      return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
    }
    if (json === undefined || json === null || typeof json !== 'object') {
      return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    }
    const message = json as DiscordMessageJson;
    const problem = messageProblem(message);
    if (problem)
      return {
        status: 400,
        body: { message: 'Invalid Form Body', code: 50035, errors: { detail: problem } },
      };
    if (url.searchParams.get('wait') !== 'true') return { status: 204 };
    const id = String(this.nextId++);
    return {
      status: 200,
      body: { id, type: 0, channel_id: '9876543210987654321', webhook_id: WEBHOOK_ID, ...message },
    };
  }
}

/** The limits Discord rejects a webhook message for. */
export function messageProblem(message: DiscordMessageJson): string | undefined {
  if ((message.content?.length ?? 0) > 2000) return 'content over 2000';
  const embeds = message.embeds ?? [];
  if (!message.content && embeds.length === 0) return 'empty message';
  if (embeds.length > 10) return 'more than 10 embeds';
  const allowed = message.allowed_mentions;
  // Discord refuses users listed both ways, and more than 100 of them (allowed mentions object).
  if (allowed?.users?.length && allowed.parse?.includes('users'))
    return 'allowed_mentions: parse users and users';
  if ((allowed?.users?.length ?? 0) > 100) return 'allowed_mentions: more than 100 users';
  for (const embed of embeds) {
    if ((embed.title?.length ?? 0) > 256) return 'title over 256';
    if ((embed.description?.length ?? 0) > 4096) return 'description over 4096';
    const fields = embed.fields ?? [];
    if (fields.length > 25) return 'more than 25 fields';
    for (const f of fields) {
      if (f.name.length === 0 || f.name.length > 256) return 'field name empty or over 256';
      if (f.value.length === 0 || f.value.length > 1024) return 'field value empty or over 1024';
    }
    if ((embed.footer?.text.length ?? 0) > 2048) return 'footer over 2048';
    if (embedTotal(embed) > 6000) return 'embed total over 6000';
  }
  return undefined;
}

export function embedTotal(embed: DiscordEmbedJson): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}
