import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_SECRET } from '../support/config.js';
import { PrivateRedis } from '../support/private-redis.js';
import { waitFor } from '../support/wait.js';

function config(redisUrl: string, receiverUrl: string) {
  return parseConfigText(
    `
redis: { url: "${redisUrl}", prefix: "outage", command_timeout_ms: 500 }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
queue: { lock_duration_ms: 2000, stalled_interval_ms: 1000 }
integrations:
  webhooks: { enabled: true, endpoints: [{ name: ci, url: "${receiverUrl}/hook", events: [implementation_failed] }] }
`,
    {},
  );
}

describe('when Redis is down', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  it('answers 503 fast instead of hanging, and loses nothing accepted before', async () => {
    const redis = await new PrivateRedis().start();
    const receiver = await new WebhookReceiver().start();
    cleanup.push(
      () => redis.kill(),
      () => receiver.stop(),
    );
    const loaded = config(redis.url, receiver.url);
    const ingress: TestApp = await startTestApp(loaded, 'ingress');
    cleanup.push(() => ingress.close());

    for (const n of [1, 2, 3])
      expect((await ingress.post(specEvent('implementation_failed', `outage-${n}`))).status).toBe(202);

    // A Redis that stops answering: the request is refused within the command deadline.
    redis.pause();
    let started = Date.now();
    const stalled = await ingress.post(specEvent('implementation_failed', 'outage-stalled'));
    expect(stalled.status).toBe(503);
    expect(stalled.json).toMatchObject({ error: { code: 'unavailable' } });
    expect(Date.now() - started).toBeLessThan(2_000);
    redis.resume();
    // A 503 after a timeout cannot say whether Redis stored the event: the sender retries with
    // the same id, and deduplication makes that safe.
    expect((await ingress.post(specEvent('implementation_failed', 'outage-stalled'))).status).toBe(202);

    // A Redis that is gone: refused at once.
    await redis.kill();
    started = Date.now();
    const refused = await ingress.post(specEvent('implementation_failed', 'outage-refused'));
    expect(refused.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);

    // Redis comes back from its append-only file; a worker delivers what was accepted, and only that.
    await redis.start();
    const worker: TestApp = await startTestApp(loaded, 'worker');
    cleanup.push(() => worker.close());
    await waitFor(() => receiver.requests.length >= 4, {
      timeoutMs: 15_000,
      what: 'the four accepted events',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.deliveryIds().sort()).toEqual([
      'outage-1.webhooks.ci',
      'outage-2.webhooks.ci',
      'outage-3.webhooks.ci',
      'outage-stalled.webhooks.ci',
    ]);
  });
});
