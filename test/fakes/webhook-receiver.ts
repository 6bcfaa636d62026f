import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (to keep a delivery in flight). */
  delayMs?: number;
  /** Never answer: the caller waits until its own timeout (or the receiver stops). */
  hang?: boolean;
}

/**
 * A loopback HTTP endpoint standing in for any webhook receiver. Responses are scripted per
 * request in order; once the script runs out it answers 200.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly script: ScriptedResponse[] = [];
  private server?: Server;
  url = '';

  respondWith(...responses: ScriptedResponse[]): this {
    this.script.push(...responses);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          path: req.url ?? '/',
          method: req.method ?? 'GET',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        const next = this.script.shift() ?? { status: 200, body: 'ok' };
        if (next.hang) return;
        const answer = () => {
          res.writeHead(next.status, next.headers ?? { 'content-type': 'text/plain' });
          res.end(next.body ?? '');
        };
        if (next.delayMs) setTimeout(answer, next.delayMs);
        else answer();
      });
    });
    this.server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  deliveryIds(): string[] {
    return this.requests.map((r) => String(r.headers['x-delivery-id']));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
