import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  BlockedDestinationError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import { HttpClient, raiseForStatus, retryAfterMs } from '../../src/net/http-client.js';
import { jitteredBackoff } from '../../src/queue/backoff.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';

const response = (status: number, headers: Record<string, string> = {}, body = '') => ({
  status,
  headers,
  body,
});

describe('provider status mapping', () => {
  it.each([
    [500, TransientError],
    [502, TransientError],
    [408, TransientError],
    [409, TransientError],
    [425, TransientError],
    [503, TransientError],
    [401, AuthError],
    [403, AuthError],
    [404, NotFoundError],
    [400, ValidationError],
    [422, ValidationError],
    [301, BlockedDestinationError],
  ])('maps %i to %o', (status, kind) => {
    expect(() => raiseForStatus(response(status), 'the provider')).toThrow(kind);
  });

  it('turns 429 and 503 with Retry-After into a rate limit with that delay', () => {
    try {
      raiseForStatus(response(429, { 'retry-after': '7' }), 'the provider');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBe(7000);
    }
    expect(() => raiseForStatus(response(503, { 'retry-after': '2' }), 'x')).toThrow(RateLimitedError);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('1.5', now)).toBe(1500);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially with full jitter, capped', () => {
    expect(jitteredBackoff(1, 1000, 60_000, () => 0)).toBe(1000);
    expect(jitteredBackoff(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(jitteredBackoff(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(jitteredBackoff(20, 1000, 60_000, () => 1)).toBe(60_000);
    const spread = new Set(Array.from({ length: 50 }, () => jitteredBackoff(5, 1000, 60_000)));
    expect(spread.size).toBeGreaterThan(10);
    for (const delay of spread) expect(delay).toBeGreaterThanOrEqual(1000);
  });
});

describe('HttpClient', () => {
  const receiver = new WebhookReceiver();
  const http = new HttpClient({ allowPrivateNetworks: true });
  beforeAll(() => receiver.start());
  afterAll(async () => {
    await http.close();
    await receiver.stop();
  });

  it('gives up on a slow provider at the deadline with a retryable error that hides the URL path', async () => {
    receiver.respondWith({ status: 200, delayMs: 1500 });
    const started = Date.now();
    const error = await http
      .send({ url: `${receiver.url}/secret-path-token`, body: '{}', timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1200);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('did not answer within 300 ms');
    expect((error as Error).message).not.toContain('secret-path-token');
  });

  it('keeps a keep-alive pool per destination origin: requests in turn reuse one connection each', async () => {
    const origins = await Promise.all([countingServer(), countingServer()]);
    try {
      for (let i = 0; i < 5; i++) {
        for (const origin of origins) {
          const answer = await http.send({ url: `${origin.url}/hook-${i}`, body: '{}', timeoutMs: 2_000 });
          expect(answer.status).toBe(200);
        }
      }
      expect(origins.map((origin) => origin.connections())).toEqual([1, 1]);
    } finally {
      await Promise.all(origins.map((origin) => origin.close()));
    }
  });

  it('reports a refused connection as retryable', async () => {
    const error = await http
      .send({ url: 'http://127.0.0.1:1/x', body: '{}', timeoutMs: 1000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

/** A loopback server that answers 200 and counts the TCP connections it was opened. */
async function countingServer() {
  let connections = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
