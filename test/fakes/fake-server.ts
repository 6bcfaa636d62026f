import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { closeLoopback, type LoopbackOptions, type LoopbackRequest, listenLoopback } from './loopback.js';

/** A request body's JSON, or undefined when it is empty or not JSON (the fake answers that). */
export function parseJson(raw: string): unknown {
  try {
    return raw === '' ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A reply body as it goes on the wire: a string as is, nothing as empty, anything else as JSON. */
export function replyText(body: unknown): string {
  return typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
}

/** A request as a fake records it. */
export interface HttpRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  json: unknown;
  /** Arrival, in ms since the epoch. */
  at: number;
}

/**
 * What a provider fake shares: its loopback server and address, the requests it recorded, and
 * reading a request's URL and JSON body. A subclass answers in `handle`; its static `start`
 * constructs it and returns `listen(options)`.
 */
export abstract class FakeServer<Recorded> {
  readonly requests: Recorded[] = [];
  private listening?: { server: Server; baseUrl: string };

  get baseUrl(): string {
    if (!this.listening) throw new Error(`${this.constructor.name} is not listening`);
    return this.listening.baseUrl;
  }

  async close(): Promise<void> {
    if (this.listening) await closeLoopback(this.listening.server);
  }

  protected async listen(options: LoopbackOptions = {}): Promise<this> {
    this.listening = await listenLoopback((r, res) => this.handle(r, res), options);
    return this;
  }

  /** The request as a fake records it, stamped now. */
  protected recorded(request: LoopbackRequest, url: URL, json: unknown): HttpRequestRecord {
    return {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      json,
      at: Date.now(),
    };
  }

  /** The request's URL (against this fake's address) and its body's JSON. */
  protected read(request: LoopbackRequest): { url: URL; json: unknown } {
    return { url: new URL(request.url, this.baseUrl), json: parseJson(request.raw) };
  }

  protected abstract handle(request: LoopbackRequest, res: ServerResponse): void;
}

/** A request as a fake of a REST API records it, with the operation it was. */
export interface OperationRequest<Operation extends string> extends HttpRequestRecord {
  operation: Operation | 'unknown';
}

export interface ScriptedReply {
  status?: number;
  /** A function is called as the answer is sent (e.g. a rate-limit reset relative to that moment). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Never answer: the caller waits until its own timeout (or the fake closes). */
  hang?: boolean;
  /** Do what the provider normally would (store the comment, create the issue), then never answer. */
  stall?: boolean;
  /**
   * Answer this one as the provider normally would (a scripted success in a sequence of failures);
   * with `hang`, the provider acts on the request but its answer never arrives.
   */
  normal?: boolean;
  /** Runs when this reply is sent, e.g. to revoke a secret along with a 401. */
  onSend?: () => void;
}

/**
 * A fake that tells its requests apart by operation and lets a test script the answers to the
 * next requests of one operation, ahead of the provider's normal behaviour.
 */
export abstract class OperationFake<
  Operation extends string,
  Recorded extends { operation: Operation | 'unknown' },
  Reply extends ScriptedReply,
> extends FakeServer<Recorded> {
  private readonly scripted = new Map<Operation, Reply[]>();

  /** The next requests of one operation get these answers, in order; then the fake behaves normally. */
  script(operation: Operation, ...replies: Reply[]): void {
    this.scripted.set(operation, [...(this.scripted.get(operation) ?? []), ...replies]);
  }

  of(operation: Operation): Recorded[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  /** Records a request as an OperationRequest, stamped now. */
  protected record(
    this: OperationFake<Operation, OperationRequest<Operation>, Reply>,
    operation: Operation | undefined,
    request: LoopbackRequest,
    url: URL,
    json: unknown,
  ): void {
    this.requests.push({ operation: operation ?? 'unknown', ...this.recorded(request, url, json) });
  }

  /**
   * Answers a request of `operation`: its next scripted reply, or else what `normally` says (also
   * for a scripted `normal` or `stall`, which then may never answer).
   */
  protected answer(res: ServerResponse, operation: Operation | undefined, normally: () => Reply): void {
    const next = operation ? this.scripted.get(operation)?.shift() : undefined;
    const reply = next && !next.normal && !next.stall ? next : normally();
    reply.onSend?.();
    if (reply.hang || next?.stall || (next?.normal && next.hang)) return;
    const text = replyText(reply.body);
    const contentType = this.contentType(reply, text);
    res.writeHead(reply.status ?? 200, {
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(typeof reply.headers === 'function' ? reply.headers() : reply.headers),
    });
    res.end(text);
  }

  /** The content type the provider answers with (none for an empty body, where it sends none). */
  protected contentType(_reply: Reply, _text: string): string | undefined {
    return 'application/json; charset=utf-8';
  }
}

/** A reply a test queues for the next request, whatever it is. */
export interface QueuedReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as text; anything else as JSON. */
  body?: unknown;
  /** Never answer: the caller waits until its own timeout (or the fake closes). */
  hang?: boolean;
}

/** Sends a body as these providers do: a string as text/plain, anything else as JSON. */
export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    ...headers,
  });
  res.end(text);
}

/** A fake whose next requests, whatever they are, get the replies a test queued, in order. */
export abstract class QueuedFake<Recorded> extends FakeServer<Recorded> {
  private readonly queued: QueuedReply[] = [];

  /** The next requests get these answers, in order; then the fake behaves like the provider again. */
  reply(...replies: QueuedReply[]): void {
    this.queued.push(...replies);
  }

  /** Answers with the next queued reply, `status` when it names none; false when none is queued. */
  protected answerQueued(res: ServerResponse, status: number): boolean {
    const next = this.queued.shift();
    if (!next) return false;
    if (!next.hang) send(res, next.status ?? status, next.body ?? '', next.headers);
    return true;
  }
}
