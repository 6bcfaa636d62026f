import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Slack: the incoming-webhook endpoint and Web API chat.postMessage, answering the
 * way Slack does (webhooks: plain-text bodies and HTTP statuses; Web API: HTTP 200 with
 * `{ok:false,error}`), enforcing the Block Kit limits Slack enforces, and recording requests.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  json: unknown;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface SlackBlockJson {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
  elements?: Array<{ type: string; text: string }>;
}

export interface SlackMessageJson {
  channel?: string;
  text?: string;
  blocks?: SlackBlockJson[];
  unfurl_links?: boolean;
}

const WEBHOOK_PATH = '/services/T0THREAD/B0LINE/w3bh00kS3cr3tPathToken';

export class FakeSlack {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private nextTs = 1_700_000_000_000_100;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    readonly token: string,
    readonly channels: ReadonlySet<string>,
  ) {}

  static async start(options: { token?: string; channels?: string[] } = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        fake?.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, raw }, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlack(
      server,
      `http://127.0.0.1:${port}`,
      options.token ?? 'xoxb-1111-2222-s3cr3tB0tT0ken',
      new Set(options.channels ?? ['#engineering']),
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

  /** The next requests get these replies, in order; then Slack's normal behaviour resumes. */
  reply(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  failTimes(times: number, reply: ScriptedReply): void {
    for (let i = 0; i < times; i++) this.scripted.push(reply);
  }

  messages(): SlackMessageJson[] {
    return this.requests.map((r) => r.json as SlackMessageJson);
  }

  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('FakeSlack received no request');
    return request;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: Omit<RecordedRequest, 'json'>, res: ServerResponse): void {
    let json: unknown;
    try {
      json = JSON.parse(request.raw);
    } catch {
      json = undefined;
    }
    this.requests.push({ ...request, json });
    send(res, this.scripted.shift() ?? this.normalReply(request, json));
  }

  private normalReply(request: Omit<RecordedRequest, 'json'>, json: unknown): ScriptedReply {
    const path = request.path.split('?')[0];
    if (request.method === 'POST' && path === WEBHOOK_PATH) return this.webhook(json);
    if (request.method === 'POST' && path === '/api/chat.postMessage') {
      return { status: 200, body: this.postMessage(request.headers, json) };
    }
    return { status: 404, body: 'no_service' };
  }

  private webhook(json: unknown): ScriptedReply {
    if (json === undefined || json === null || typeof json !== 'object')
      return { status: 400, body: 'invalid_payload' };
    const message = json as SlackMessageJson;
    if (!message.text && !message.blocks) return { status: 400, body: 'no_text' };
    if (blockProblem(message.blocks)) return { status: 400, body: 'invalid_blocks' };
    return { status: 200, body: 'ok' };
  }

  private postMessage(headers: IncomingHttpHeaders, json: unknown): Record<string, unknown> {
    const auth = headers.authorization;
    if (!auth) return { ok: false, error: 'not_authed' };
    if (auth !== `Bearer ${this.token}`) return { ok: false, error: 'invalid_auth' };
    if (json === undefined || json === null || typeof json !== 'object')
      return { ok: false, error: 'invalid_json' };
    const message = json as SlackMessageJson;
    if (!message.channel || !this.channels.has(message.channel))
      return { ok: false, error: 'channel_not_found' };
    if (!message.text && !message.blocks) return { ok: false, error: 'no_text' };
    const problem = blockProblem(message.blocks);
    if (problem) return { ok: false, error: 'invalid_blocks', errors: [problem] };
    const ts = `${Math.floor(this.nextTs / 1e6)}.${String(this.nextTs % 1e6).padStart(6, '0')}`;
    this.nextTs += 1;
    return { ok: true, channel: 'C0ENGINEER', ts, message: { text: message.text, ts } };
  }
}

/** The Block Kit limits Slack rejects a message for. */
export function blockProblem(blocks: SlackBlockJson[] | undefined): string | undefined {
  if (blocks === undefined) return undefined;
  if (blocks.length > 50) return 'more than 50 blocks';
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
  }
  return undefined;
}

function send(res: ServerResponse, reply: ScriptedReply): void {
  const body =
    typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
  const type =
    typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
  res.end(body);
}
