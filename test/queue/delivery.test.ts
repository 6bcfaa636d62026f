import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { StoredEvent } from '../../src/core/payload.js';
import { DeadLetters } from '../../src/queue/dead-letters.js';
import { specEvent, startWebhookApp } from '../support/app.js';
import { allCompleted, deliveryOutcomes } from '../support/outcomes.js';
import { waitFor } from '../support/wait.js';

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function setUp(endpointYaml: (url: string) => string, env: Record<string, string> = {}) {
  const app = await startWebhookApp('dlv', endpointYaml, env);
  running.push(() => app.stop());
  return app;
}

describe('webhook deliveries', () => {
  it('sends the seed payload signed with X-Signature-256 and Standard Webhooks headers, with configured headers', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - name: analytics
        url: "${url}/events"
        events: [implementation_completed]
        secret: "analytics-signing-secret"
        headers:
          Authorization: "Bearer \${WEBHOOK_TOKEN}"
`,
      { WEBHOOK_TOKEN: 'tok-abcdef-123456' },
    );
    const event = specEvent('implementation_completed', 'dlv-sign-1', {
      timestamp: '2025-01-19T12:00:00Z',
      pr: { number: 42, url: 'https://github.com/org/repo/pull/42' },
      repository: { owner: 'org', name: 'repo' },
    });
    expect((await t.post(event)).status).toBe(202);
    const [request] = await waitFor(() => (receiver.requests.length ? receiver.requests : undefined));
    expect(JSON.parse(request!.body)).toEqual(event);
    expect(request!.headers.authorization).toBe('Bearer tok-abcdef-123456');
    expect(request!.headers['content-type']).toBe('application/json');
    const expected = createHmac('sha256', 'analytics-signing-secret').update(request!.body).digest('hex');
    expect(request!.headers['x-signature-256']).toBe(`sha256=${expected}`);
    expect(request!.headers['x-delivery-id']).toBe('dlv-sign-1.webhooks.analytics');
    expect(request!.headers['webhook-id']).toBe('dlv-sign-1.webhooks.analytics');
    const ts = String(request!.headers['webhook-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    const standard = createHmac('sha256', 'analytics-signing-secret')
      .update(`dlv-sign-1.webhooks.analytics.${ts}.${request!.body}`)
      .digest('base64');
    expect(request!.headers['webhook-signature']).toBe(`v1,${standard}`);
  });

  it('retries 500, 500 then delivers once on 200, every attempt with the same delivery id', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - { name: flaky, url: "${url}/h", events: [implementation_failed], retry_count: 3 }\n`,
    );
    receiver.respondWith({ status: 500 }, { status: 500 });
    await t.post(specEvent('implementation_failed', 'dlv-500-1'));
    // Once delivered, no further attempt can come: the receiver's log is final.
    await waitFor(async () => (await deliveryOutcomes(t.app.metrics, 'webhooks.flaky', 'delivered')) === 1, {
      what: 'the delivery to succeed',
    });
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.deliveryIds())).toEqual(new Set(['dlv-500-1.webhooks.flaky']));
    expect(receiver.requests.map((r) => r.headers['x-threadline-attempt'])).toEqual(['1', '2', '3']);
    expect(await deliveryOutcomes(t.app.metrics, 'webhooks.flaky', 'retry')).toBe(2);
    expect(await new DeadLetters(t.app.queues).list()).toEqual([]);
  });

  it('waits at least Retry-After on a 429 without spending an attempt', async () => {
    const { receiver, t } = await setUp(
      (url) =>
        `      - { name: limited, url: "${url}/h", events: [implementation_failed], retry_count: 0 }\n`,
    );
    receiver.respondWith({ status: 429, headers: { 'retry-after': '1' } });
    await t.post(specEvent('implementation_failed', 'dlv-429-1'));
    await waitFor(() => receiver.requests.length >= 2, { what: 'the retry after 429' });
    const gap = receiver.requests[1]!.at - receiver.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(1000);
    // retry_count 0 means one attempt: it was not spent by the 429, so the second one delivered.
    await waitFor(
      async () => (await deliveryOutcomes(t.app.metrics, 'webhooks.limited', 'delivered')) === 1,
      { what: 'the delivery after the 429 to succeed' },
    );
    expect(await deliveryOutcomes(t.app.metrics, 'webhooks.limited', 'deferred')).toBe(1);
    expect(receiver.requests).toHaveLength(2);
    expect(new Set(receiver.deliveryIds())).toEqual(new Set(['dlv-429-1.webhooks.limited']));
    expect(await new DeadLetters(t.app.queues).list()).toEqual([]);
  });

  it('dead-letters a 400 at once without retrying, and replays it with the same delivery id', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - { name: strict, url: "${url}/h", events: [validation_failed], retry_count: 5 }\n`,
    );
    receiver.respondWith({ status: 400, body: '{"error":"missing field spec.owner"}' });
    await t.post(specEvent('validation_failed', 'dlv-400-1'));
    const dlq = new DeadLetters(t.app.queues);
    const [letter] = await waitFor(async () => {
      const letters = await dlq.list();
      return letters.length ? letters : undefined;
    });
    expect(receiver.requests).toHaveLength(1);
    expect(letter).toMatchObject({
      id: 'dlv-400-1.webhooks.strict',
      integration: 'webhooks.strict',
      event: 'validation_failed',
      specId: 'FEAT-0001',
      attempts: 1,
    });
    expect(letter!.lastError).toContain('rejected the request (400)');
    expect(letter!.lastError).toContain('missing field spec.owner');

    await dlq.replay(letter!.id);
    await waitFor(() => receiver.requests.length === 2, { what: 'the replayed delivery' });
    expect(receiver.deliveryIds()).toEqual(['dlv-400-1.webhooks.strict', 'dlv-400-1.webhooks.strict']);
    await waitFor(async () => (await dlq.list()).length === 0, { what: 'an empty dead-letter list' });
  });

  it('dead-letters after retry_count failed retries', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - { name: down, url: "${url}/h", events: [implementation_failed], retry_count: 2 }\n`,
    );
    receiver.respondWith({ status: 503 }, { status: 502 }, { status: 500 });
    await t.post(specEvent('implementation_failed', 'dlv-exhaust-1'));
    const dlq = new DeadLetters(t.app.queues);
    const [letter] = await waitFor(async () => {
      const letters = await dlq.list({ integration: 'webhooks' });
      return letters.length ? letters : undefined;
    });
    expect(receiver.requests).toHaveLength(3);
    expect(letter).toMatchObject({ attempts: 3 });
    expect(letter!.lastError).toContain('answered 500');
  });

  it('routes each event only to the endpoints that list it, one queue per endpoint', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - { name: a, url: "${url}/a", events: [spec_approved, implementation_completed] }
      - { name: b, url: "${url}/b", events: [implementation_completed] }
`,
    );
    await t.post(specEvent('spec_approved', 'dlv-route-1'));
    await t.post(specEvent('implementation_completed', 'dlv-route-2'));
    await t.post(specEvent('pr_merged', 'dlv-route-3'));
    await waitFor(() => receiver.requests.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests.map((r) => `${r.path} ${r.headers['x-delivery-id']}`).sort()).toEqual([
      '/a dlv-route-1.webhooks.a',
      '/a dlv-route-2.webhooks.a',
      '/b dlv-route-2.webhooks.b',
    ]);
  });

  it('delivers a router job an older version left in the events queue once, even when its event is sent again', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - { name: old, url: "${url}/old", events: [implementation_failed] }\n`,
    );
    // As versions before routing at ingress stored an event: a router job deduplicated by the event id.
    const payload = specEvent('implementation_failed', 'dlv-old-1', { timestamp: '2025-01-19T12:00:00Z' });
    const event = { id: 'dlv-old-1', receivedAt: Date.now(), payload } as unknown as StoredEvent;
    await t.app.queues.events.add(
      'event',
      { event },
      { jobId: 'ev-old-1', removeOnComplete: true, deduplication: { id: 'dlv-old-1', ttl: 86_400_000 } },
    );
    expect(await t.post(specEvent('implementation_failed', 'dlv-old-1'))).toEqual({
      status: 202,
      json: { id: 'dlv-old-1', duplicate: true },
    });
    await waitFor(() => receiver.requests.length >= 1, { what: 'the delivery' });
    await waitFor(
      async () =>
        (await allCompleted(t.app.queues.events)) && allCompleted(t.app.queues.delivery('webhooks.old')),
      { what: 'the router job and the delivery to finish' },
    );
    expect(receiver.deliveryIds()).toEqual(['dlv-old-1.webhooks.old']);
  });

  it('keeps one slow endpoint from delaying another', async () => {
    const { receiver, t } = await setUp(
      (url) => `      - { name: slow, url: "${url}/slow", events: [implementation_failed], timeout_ms: 5000 }
      - { name: fast, url: "${url}/fast", events: [implementation_failed] }
`,
    );
    receiver.respondWith({ status: 200, delayMs: 2000 });
    await t.post(specEvent('implementation_failed', 'dlv-iso-1'));
    await t.post(specEvent('implementation_failed', 'dlv-iso-2'));
    const fast = await waitFor(() => {
      const hits = receiver.requests.filter((r) => r.path === '/fast');
      return hits.length === 2 ? hits : undefined;
    });
    const firstSlow = receiver.requests.find((r) => r.path === '/slow')!;
    expect(fast[1]!.at - firstSlow.at).toBeLessThan(1500);
  });

  it('keeps secrets out of dead-letter errors and logs when a delivery fails', async () => {
    const env = { WEBHOOK_TOKEN: 'tok-super-secret-998877', HOOK_SECRET: 'hmac-secret-554433' };
    const { receiver, t } = await setUp(
      (url) => `      - name: leaky
        url: "${url}/services/T000/B000/path-secret-112233?token=query-secret-445566"
        events: [implementation_failed]
        retry_count: 1
        secret: "\${HOOK_SECRET}"
        headers: { Authorization: "Bearer \${WEBHOOK_TOKEN}" }
`,
      env,
    );
    // A provider that echoes the credentials it was sent back in its error body.
    receiver.respondWith(
      { status: 500, body: 'upstream failed for Bearer tok-super-secret-998877' },
      { status: 401, body: 'bad token tok-super-secret-998877' },
    );
    await t.post(specEvent('implementation_failed', 'dlv-secret-1'));
    const dlq = new DeadLetters(t.app.queues);
    const letters = await waitFor(async () => {
      const found = await dlq.list();
      return found.length ? found : undefined;
    });
    const visible = `${JSON.stringify(letters)}\n${t.logs()}`;
    expect(t.logs()).toContain('dead-lettered');
    for (const secret of [...Object.values(env), 'path-secret-112233', 'query-secret-445566']) {
      expect(visible).not.toContain(secret);
    }
  });
});

describe('config for deliveries', () => {
  it('uses the queue default retry_count when an endpoint sets none', () => {
    const loaded = parseConfigText(
      'inbound: { events: { enabled: false } }\nqueue: { retry_count: 4 }\nintegrations: { webhooks: { enabled: true, endpoints: [{ name: x, url: "https://example.com", events: [spec_created] }] } }',
      {},
    );
    expect(loaded.config.queue.retry_count).toBe(4);
    expect(loaded.config.integrations.webhooks?.endpoints[0]?.retry_count).toBeUndefined();
  });
});
