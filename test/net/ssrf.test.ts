import { lookup } from 'node:dns';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedDestinationError } from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import { guardedLookup, isPublicAddress } from '../../src/net/ssrf.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';

describe('SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a00:1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
  ])('treats %s as not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'treats %s as public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('refuses a name that resolves to a private address at connect time', async () => {
    const error = await new Promise<Error | null>((resolve) =>
      guardedLookup('localhost', {}, (err) => resolve(err)),
    );
    expect(error).toBeInstanceOf(BlockedDestinationError);
    // The same name through the platform resolver really is loopback: the guard is what refuses.
    const address = await new Promise<string>((resolve) => lookup('localhost', (_e, a) => resolve(a)));
    expect(isPublicAddress(address)).toBe(false);
  });

  describe('outbound HTTP', () => {
    const receiver = new WebhookReceiver();
    const guarded = new HttpClient({ allowPrivateNetworks: false });
    const open = new HttpClient({ allowPrivateNetworks: true });
    beforeAll(() => receiver.start());
    afterAll(async () => {
      await guarded.close();
      await open.close();
      await receiver.stop();
    });

    it.each([
      (port: string) => `http://127.0.0.1:${port}/hook`,
      (port: string) => `http://[::ffff:127.0.0.1]:${port}/hook`,
      (port: string) => `http://localhost:${port}/hook`,
      () => 'http://169.254.169.254/latest/meta-data/',
      () => 'http://[::1]/',
      () => 'file:///etc/passwd',
    ])('refuses %s unless private networks are allowed', async (make) => {
      const port = new URL(receiver.url).port;
      const before = receiver.requests.length;
      await expect(guarded.send({ url: make(port), body: '{}', timeoutMs: 2000 })).rejects.toBeInstanceOf(
        BlockedDestinationError,
      );
      expect(receiver.requests.length).toBe(before);
    });

    it('refuses a host name that resolves to loopback (checked on the resolved address)', async () => {
      // This machine's own name resolves to a loopback address (127.0.0.1 or Debian's 127.0.1.1).
      const name = hostname();
      const address = await new Promise<string>((resolve, reject) =>
        lookup(name, (e, a) => (e ? reject(e) : resolve(a))),
      );
      expect(isPublicAddress(address), `${name} should resolve to loopback, got ${address}`).toBe(false);
      const port = new URL(receiver.url).port;
      const error = await guarded
        .send({ url: `http://${name}:${port}/hook`, body: '{}', timeoutMs: 2000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlockedDestinationError);
    });

    it('reaches loopback when security.allow_private_networks is true', async () => {
      const response = await open.send({ url: `${receiver.url}/ok`, body: '{}', timeoutMs: 2000 });
      expect(response.status).toBe(200);
    });

    it('does not follow redirects', async () => {
      receiver.respondWith({ status: 302, headers: { location: 'http://169.254.169.254/' } });
      const response = await open.send({ url: `${receiver.url}/moved`, body: '{}', timeoutMs: 2000 });
      expect(response.status).toBe(302);
      expect(receiver.requests.at(-1)?.path).toBe('/moved');
    });
  });
});
