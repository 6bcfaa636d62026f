import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { closeLoopback, listenLoopback } from './loopback.js';

/**
 * A loopback Teams incoming webhook. `workflow` answers like a Power Automate workflow
 * trigger (202, empty body); `connector` like a legacy Office 365 connector (200, body "1",
 * and throttling reported as 200 with the 429 in the body text).
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  json: unknown;
  /** Arrival, in ms since the epoch. */
  at: number;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer: the caller waits until its own timeout (or the fake closes). */
  hang?: boolean;
}

export type TeamsFlavour = 'workflow' | 'connector';

const WEBHOOK_PATH = '/webhookb2/0000-tenant/IncomingWebhook/t3amsS3cr3tHookId/0000-owner';

export const CONNECTOR_THROTTLED_BODY =
  'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0..';

export class FakeTeamsWebhook {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: ScriptedReply[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    readonly flavour: TeamsFlavour,
  ) {}

  static async start(options: { flavour?: TeamsFlavour } = {}): Promise<FakeTeamsWebhook> {
    let fake: FakeTeamsWebhook | undefined;
    const { server, baseUrl } = await listenLoopback((r, res) =>
      fake?.handle({ method: r.method, path: r.url, headers: r.headers, raw: r.raw }, res),
    );
    fake = new FakeTeamsWebhook(server, baseUrl, options.flavour ?? 'workflow');
    return fake;
  }

  get webhookUrl(): string {
    return `${this.baseUrl}${WEBHOOK_PATH}`;
  }

  reply(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('FakeTeamsWebhook received no request');
    return request;
  }

  async close(): Promise<void> {
    await closeLoopback(this.server);
  }

  private handle(request: Omit<RecordedRequest, 'json' | 'at'>, res: ServerResponse): void {
    const at = Date.now();
    let json: unknown;
    try {
      json = JSON.parse(request.raw);
    } catch {
      json = undefined;
    }
    this.requests.push({ ...request, json, at });
    const reply = this.scripted.shift() ?? this.normalReply(request.method, request.path, json);
    if (reply.hang) return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
    res.end(reply.body ?? '');
  }

  private normalReply(method: string, path: string, json: unknown): ScriptedReply {
    if (method !== 'POST' || path !== WEBHOOK_PATH) return { status: 404, body: 'Not Found' };
    if (json === undefined || json === null || typeof json !== 'object') {
      return { status: 400, body: 'Bad payload received by generic incoming webhook.' };
    }
    const message = json as { text?: unknown; attachments?: unknown };
    if (!message.text && !Array.isArray(message.attachments))
      return { status: 400, body: 'Text is required.' };
    return this.flavour === 'workflow' ? { status: 202 } : { status: 200, body: '1' };
  }
}
