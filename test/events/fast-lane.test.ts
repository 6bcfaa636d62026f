import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { type ChildServer, startChildServer, writeConfigFile } from '../support/child.js';
import { EVENTS_SECRET } from '../support/config.js';
import { allCompleted, deliveryOutcomes } from '../support/outcomes.js';
import { dropPrefix, REDIS_URL, testRedis, uniquePrefix } from '../support/redis.js';
import { sign } from '../support/sign.js';
import { waitFor } from '../support/wait.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** A config with webhook endpoints (name → receiver URL) and the given queue settings. */
function configText(prefix: string, endpoints: Record<string, string>, queue = ''): string {
  const lines = Object.entries(endpoints).map(
    ([name, url]) =>
      `      - { name: ${name}, url: "${url}/h", events: [implementation_failed], retry_count: 2, timeout_ms: 20000 }`,
  );
  return `
server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 2000 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
logging: { level: debug }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
queue: { backoff_base_ms: 20, backoff_max_ms: 200, lock_duration_ms: 2000, stalled_interval_ms: 500${queue} }
integrations:
  webhooks:
    enabled: true
    endpoints:
${lines.join('\n')}
`;
}

async function receiver(): Promise<WebhookReceiver> {
  const started = await new WebhookReceiver().start();
  cleanup.push(() => started.stop());
  return started;
}

async function app(prefix: string, text: string): Promise<TestApp> {
  cleanup.push(() => dropPrefix(prefix));
  const started = await startTestApp(parseConfigText(text, {}));
  cleanup.push(() => started.close());
  return started;
}

/** The entries of a delivery queue's event stream that name this job (BullMQ writes one per state change). */
async function queueEvents(prefix: string, destination: string, jobId: string): Promise<string[]> {
  const redis = testRedis();
  try {
    const entries = await redis.xrange(`${prefix}:deliveries.${destination}:events`, '-', '+');
    return entries
      .filter(([, fields]) => fields.includes(jobId))
      .map(([, fields]) => String(fields[fields.indexOf('event') + 1]));
  } finally {
    redis.disconnect();
  }
}

describe('first attempts at ingress (the fast lane)', () => {
  it('delivers from the process that accepted the event, without a queued job, and leaves the outbox empty', async () => {
    const prefix = uniquePrefix('fast');
    const ci = await receiver();
    const t = await app(prefix, configText(prefix, { ci: ci.url }));
    expect((await t.post(specEvent('implementation_failed', 'fast-1'))).status).toBe(202);
    await waitFor(() => ci.requests.length === 1, { what: 'the delivery' });
    expect(ci.deliveryIds()).toEqual(['fast-1.webhooks.ci']);
    expect(ci.requests[0]!.headers['x-threadline-attempt']).toBe('1');
    await waitFor(() => allCompleted(t.app.queues.delivery('webhooks.ci')), { what: 'an empty outbox' });
    expect(await queueEvents(prefix, 'webhooks.ci', 'fast-1.webhooks.ci')).toEqual([]);
    expect(await deliveryOutcomes(t.app.metrics, 'webhooks.ci', 'delivered')).toBe(1);
    const metrics = await (await request(`${t.app.url}/metrics`)).body.text();
    expect(metrics).toContain('threadline_queue_depth{queue="outbox",state="pending"} 0');
  });

  it('hands a failed first attempt to its queue with the attempt counted, and sends that destination through its queue for a while', async () => {
    const prefix = uniquePrefix('fast');
    const ci = await receiver();
    ci.respondWith({ status: 500 });
    const t = await app(prefix, configText(prefix, { ci: ci.url }));
    await t.post(specEvent('implementation_failed', 'fast-fail-1'));
    await waitFor(() => ci.requests.length === 2, { what: 'the retry from the queue' });
    expect(ci.requests.map((r) => r.headers['x-threadline-attempt'])).toEqual(['1', '2']);
    expect(await queueEvents(prefix, 'webhooks.ci', 'fast-fail-1.webhooks.ci')).toContain('completed');

    // The destination just failed: its next delivery goes through the queue, first attempt and all.
    await t.post(specEvent('implementation_failed', 'fast-fail-2'));
    await waitFor(() => ci.requests.length === 3, { what: 'the next delivery' });
    expect(ci.requests[2]!.headers['x-threadline-attempt']).toBe('1');
    await waitFor(() => allCompleted(t.app.queues.delivery('webhooks.ci')), { what: 'both delivered' });
    expect(await queueEvents(prefix, 'webhooks.ci', 'fast-fail-2.webhooks.ci')).toContain('completed');
    expect(await deliveryOutcomes(t.app.metrics, 'webhooks.ci', 'retry')).toBe(1);
  });

  it('keeps a slow destination from holding up another: at most queue.concurrency first attempts each, the rest queued', async () => {
    const prefix = uniquePrefix('fast');
    const slow = await receiver();
    const fast = await receiver();
    slow.respondWith(...Array.from({ length: 4 }, () => ({ status: 200, delayMs: 2_000 })));
    const t = await app(prefix, configText(prefix, { slow: slow.url, fast: fast.url }, ', concurrency: 2'));
    for (let i = 1; i <= 4; i++) await t.post(specEvent('implementation_failed', `iso-${i}`));
    await waitFor(() => fast.requests.length === 4, { what: 'the fast destination' });
    // Two first attempts hang at the slow receiver; the other two were queued, not attempted here.
    const queued = await Promise.all(
      [1, 2, 3, 4].map((i) => queueEvents(prefix, 'webhooks.slow', `iso-${i}.webhooks.slow`)),
    );
    expect(queued.filter((events) => events.includes('added'))).toHaveLength(2);
    await waitFor(() => slow.requests.length === 4, { timeoutMs: 10_000, what: 'the slow destination' });
    await waitFor(() => allCompleted(t.app.queues.delivery('webhooks.slow')), { what: 'all delivered' });
    expect(new Set(slow.deliveryIds()).size).toBe(4);
    expect(new Set(fast.deliveryIds()).size).toBe(4);
  });

  it('keeps a repeat out when the sender retries through an ingress-only process', async () => {
    const prefix = uniquePrefix('fast');
    const ci = await receiver();
    const text = configText(prefix, { ci: ci.url });
    const all = await app(prefix, text);
    const ingress = await startTestApp(parseConfigText(text, {}), 'ingress');
    cleanup.push(() => ingress.close());
    expect((await all.post(specEvent('implementation_failed', 'fast-repeat-1'))).status).toBe(202);
    await waitFor(() => ci.requests.length === 1, { what: 'the delivery' });
    const repeat = await ingress.post(specEvent('implementation_failed', 'fast-repeat-1'));
    expect(repeat).toEqual({ status: 202, json: { id: 'fast-repeat-1', duplicate: true } });
    // BullMQ found the delivery's deduplication key, written with the outbox entry, and added no job.
    await waitFor(
      async () =>
        (await queueEvents(prefix, 'webhooks.ci', 'fast-repeat-1.webhooks.ci')).includes('deduplicated'),
      { what: 'the repeated job deduplicated' },
    );
    expect(await queueEvents(prefix, 'webhooks.ci', 'fast-repeat-1.webhooks.ci')).not.toContain('added');
    expect(ci.requests).toHaveLength(1);
  });

  it('a delivery whose process was killed mid-attempt is queued by another process once its lease ends', async () => {
    const prefix = uniquePrefix('fastkill');
    cleanup.push(() => dropPrefix(prefix));
    const ci = await receiver();
    // The first request hangs: the delivery is in flight when its process dies.
    ci.respondWith({ status: 200, hang: true });
    const file = writeConfigFile(configText(prefix, { ci: ci.url }));
    const track = (child: ChildServer) => {
      cleanup.push(async () => {
        child.process.kill('SIGKILL');
        await child.exited;
      });
      return child;
    };
    const first = track(await startChildServer(file));
    const body = JSON.stringify(specEvent('implementation_failed', 'kill-1'));
    const answer = await request(`${first.url}/hooks/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': sign(body, EVENTS_SECRET) },
      body,
    });
    await answer.body.dump();
    expect(answer.statusCode).toBe(202);
    await waitFor(() => ci.requests.length === 1, { what: 'the first attempt in flight' });
    first.process.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();

    track(await startChildServer(file, ['--role', 'worker']));
    await waitFor(() => ci.requests.length === 2, { timeoutMs: 15_000, what: 'the delivery again' });
    // Lease (lock_duration_ms 2 s) plus one outbox sweep (stalled_interval_ms 0.5 s), and a start.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(ci.deliveryIds()).toEqual(['kill-1.webhooks.ci', 'kill-1.webhooks.ci']);
    const redis = testRedis();
    try {
      await waitFor(async () => (await redis.zcard(`${prefix}:outbox`)) === 0, { what: 'an empty outbox' });
    } finally {
      redis.disconnect();
    }
  });
});
