import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FakeServer, replyText } from './fake-server.js';
import type { LoopbackRequest } from './loopback.js';

/** One request as a provider fake saw it. */
export interface ProviderRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: string;
  /** Arrival, in ms since the epoch. */
  at: number;
}

export interface ProviderReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Never answer: the caller waits until its own timeout (or the fake closes). */
  hang?: boolean;
}

/**
 * The loopback server under the observability fakes: it records every request, answers the
 * scripted replies first, in order, and after them asks the fake's `answer`, which behaves like
 * the real provider (auth, body validation, its success body).
 */
export class ScriptedProvider extends FakeServer<ProviderRequest> {
  private readonly scripted: ProviderReply[] = [];

  private constructor(private readonly answer: (request: ProviderRequest) => ProviderReply) {
    super();
  }

  static async start(answer: (request: ProviderRequest) => ProviderReply): Promise<ScriptedProvider> {
    return new ScriptedProvider(answer).listen();
  }

  reply(...replies: ProviderReply[]): void {
    this.scripted.push(...replies);
  }

  protected handle(r: LoopbackRequest, res: ServerResponse): void {
    const url = new URL(r.url, this.baseUrl);
    const request: ProviderRequest = {
      method: r.method,
      path: url.pathname,
      query: url.searchParams,
      headers: r.headers,
      raw: r.raw,
      at: Date.now(),
    };
    this.requests.push(request);
    const reply = this.scripted.shift() ?? this.answer(request);
    if (reply.hang) return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(replyText(reply.body));
  }
}

/** A single header's value (undefined when absent or repeated). */
export function header(request: ProviderRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
