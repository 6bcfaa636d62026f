import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { closeLoopback, listenLoopback } from './loopback.js';

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
export class ScriptedProvider {
  readonly requests: ProviderRequest[] = [];
  private readonly scripted: ProviderReply[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(answer: (request: ProviderRequest) => ProviderReply): Promise<ScriptedProvider> {
    let provider: ScriptedProvider | undefined;
    const { server, baseUrl } = await listenLoopback((r, res) => provider?.handle(r, res, answer));
    provider = new ScriptedProvider(server, baseUrl);
    return provider;
  }

  reply(...replies: ProviderReply[]): void {
    this.scripted.push(...replies);
  }

  close(): Promise<void> {
    return closeLoopback(this.server);
  }

  private handle(
    r: { method: string; url: string; headers: IncomingHttpHeaders; raw: string },
    res: ServerResponse,
    answer: (request: ProviderRequest) => ProviderReply,
  ): void {
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
    const reply = this.scripted.shift() ?? answer(request);
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
}

/** A single header's value (undefined when absent or repeated). */
export function header(request: ProviderRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
