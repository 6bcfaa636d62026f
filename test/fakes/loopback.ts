import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/**
 * Off by default. `delayMs`: each answer waits that long (a provider's latency, for benchmarks);
 * `onRequest`: sees every request as it arrives (e.g. to count requests in flight).
 */
export interface LoopbackOptions {
  delayMs?: number;
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * A node:http server on 127.0.0.1 and a free port that hands each request, body read in full,
 * to `handle`. What every provider fake starts from; a handler that throws answers 500.
 */
export async function listenLoopback(
  handle: (request: LoopbackRequest, res: ServerResponse) => void,
  options: LoopbackOptions = {},
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    options.onRequest?.(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answer = () => {
        try {
          handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, raw }, res);
        } catch (error) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        }
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function closeLoopback(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
