import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent, startWebhookApp, type TestApp } from '../support/app.js';
import { EVENTS_SECRET } from '../support/config.js';
import { allCompleted } from '../support/outcomes.js';
import { sign } from '../support/sign.js';
import { waitFor } from '../support/wait.js';

describe('POST /hooks/events', () => {
  let app: Awaited<ReturnType<typeof startWebhookApp>>;
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    app = await startWebhookApp(
      'route',
      (url) =>
        `      - { name: ci, url: "${url}/hook", events: [implementation_completed, implementation_failed] }
`,
    );
    ({ t, receiver } = app);
  });

  afterAll(() => app.stop());

  it('answers 202 with the event id once the event is stored, and delivers it', async () => {
    const response = await t.post(specEvent('implementation_completed', 'route-accept-1'));
    expect(response).toEqual({ status: 202, json: { id: 'route-accept-1', duplicate: false } });
    await waitFor(() =>
      receiver.requests.some((r) => r.headers['x-delivery-id'] === 'route-accept-1.webhooks.ci'),
    );
  });

  it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
    const before = receiver.requests.length;
    const wrong = await t.post(specEvent('implementation_failed', 'route-sig-1'), {
      secret: 'not-the-secret',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: { code: 'bad_signature' } });
    const body = JSON.stringify(specEvent('implementation_failed', 'route-sig-2'));
    const missing = await request(`${t.app.url}/hooks/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(missing.statusCode).toBe(401);
    await missing.body.text();
    // A signature over different bytes (re-serialised JSON) must not verify either.
    const respaced = await t.post(undefined, {
      raw: body.replace(':', ': '),
      headers: { 'x-signature-256': sign(body, EVENTS_SECRET) },
    });
    expect(respaced.status).toBe(401);
    expect(receiver.requests.length).toBe(before);
    // Nothing was stored: the same ids, signed properly, are new events.
    for (const id of ['route-sig-1', 'route-sig-2']) {
      expect(await t.post(specEvent('implementation_failed', id))).toEqual({
        status: 202,
        json: { id, duplicate: false },
      });
    }
  });

  it('names the bad field in a 400', async () => {
    const noEvent = await t.post({ spec: { id: 'FEAT-1' } });
    expect(noEvent.status).toBe(400);
    expect(noEvent.json).toMatchObject({ error: { code: 'bad_body', field: 'event' } });

    const unknownEvent = await t.post({ event: 'implementation_exploded', spec: { id: 'FEAT-1' } });
    expect(unknownEvent.json).toMatchObject({ error: { field: 'event' } });
    expect(String((unknownEvent.json.error as { message: string }).message)).toContain(
      'implementation_exploded',
    );

    const badPr = await t.post({ event: 'pr_created', spec: { id: 'FEAT-1' }, pr: { number: 'forty-two' } });
    expect(badPr.status).toBe(400);
    expect(badPr.json).toMatchObject({ error: { field: 'pr.number' } });

    const badId = await t.post({ id: 'ci:run:1', event: 'spec_created', spec: { id: 'FEAT-1' } });
    expect(badId.json).toMatchObject({ error: { field: 'id' } });

    const notJson = await t.post(undefined, { raw: '{"event": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ error: { code: 'bad_json' } });
  });

  it('says a field of the wrong type must be of the right one, not that it is required', async () => {
    const response = await t.post({ event: 'spec_created', spec: { id: 123 } });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      error: { code: 'bad_body', field: 'spec.id', message: 'spec.id: must be a string, got number' },
    });
    const missing = await t.post({ event: 'spec_created', spec: { title: 'No id' } });
    expect(missing.json).toMatchObject({ error: { message: 'spec.id: is required' } });
  });

  it('says the body must be a JSON object when it is a list or a bare value', async () => {
    for (const [raw, kind] of [
      ['[]', 'array'],
      ['"spec_created"', 'string'],
      ['null', 'null'],
    ] as const) {
      const response = await t.post(undefined, { raw });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({
        error: { code: 'bad_body', field: '(body)', message: `(body): must be a JSON object, got ${kind}` },
      });
    }
  });

  it('suggests the closest event name for a misspelt event', async () => {
    const response = await t.post({ event: 'implementaton_failed', spec: { id: 'FEAT-1' } });
    expect(response.json).toMatchObject({
      error: {
        field: 'event',
        message: 'event: unknown event "implementaton_failed" (did you mean "implementation_failed"?)',
      },
    });
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const big = JSON.stringify({
      event: 'spec_created',
      spec: { id: 'X' },
      padding: 'x'.repeat(1024 * 1024),
    });
    const response = await t.post(undefined, { raw: big });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ error: { code: 'too_large' } });
  });

  it('answers 415 to a body that is not JSON', async () => {
    const response = await request(`${t.app.url}/hooks/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-signature-256': sign('a=b', EVENTS_SECRET),
      },
      body: 'a=b',
    });
    expect(response.statusCode).toBe(415);
    expect(await response.body.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it('delivers an event sent twice with the same id only once', async () => {
    const first = await t.post(specEvent('implementation_failed', 'route-dup-1'));
    const second = await t.post(specEvent('implementation_failed', 'route-dup-1'));
    expect(first.json).toEqual({ id: 'route-dup-1', duplicate: false });
    expect(second.json).toEqual({ id: 'route-dup-1', duplicate: true });
    await waitFor(() => receiver.deliveryIds().includes('route-dup-1.webhooks.ci'));
    // A third copy after the first was delivered and its job removed is still a duplicate (the
    // window is 24 h), and is not delivered again.
    await waitFor(() => allCompleted(t.app.queues.delivery('webhooks.ci')), { what: 'the job finished' });
    const third = await t.post(specEvent('implementation_failed', 'route-dup-1'));
    expect(third.json).toEqual({ id: 'route-dup-1', duplicate: true });
    // An event sent after the copy is delivered only once the queue has reached past the copy.
    await t.post(specEvent('implementation_failed', 'route-dup-after'));
    await waitFor(() => allCompleted(t.app.queues.delivery('webhooks.ci')), { what: 'the queue drained' });
    expect(receiver.deliveryIds()).toContain('route-dup-after.webhooks.ci');
    expect(receiver.deliveryIds().filter((id) => id === 'route-dup-1.webhooks.ci')).toHaveLength(1);
  });

  it('treats the same X-Request-Id as the same event', async () => {
    const body = { event: 'implementation_completed', spec: { id: 'FEAT-2' } };
    const a = await t.post(body, { headers: { 'x-request-id': 'ci-run-77/step 3' } });
    const b = await t.post(body, { headers: { 'x-request-id': 'ci-run-77/step 3' } });
    expect(a.status).toBe(202);
    expect(b.json).toEqual({ id: a.json.id, duplicate: true });
  });

  it('reports readiness, liveness and Prometheus metrics', async () => {
    const ready = await request(`${t.app.url}/readyz`);
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.json()).toMatchObject({ checks: { redis: 'ok', workers: 'ok' } });
    const live = await request(`${t.app.url}/healthz`);
    expect(live.statusCode).toBe(200);
    await live.body.text();
    const metrics = await (await request(`${t.app.url}/metrics`)).body.text();
    expect(metrics).toContain(
      'threadline_events_received_total{event="implementation_completed",duplicate="false"}',
    );
    expect(metrics).toContain('threadline_events_rejected_total{reason="signature"}');
    expect(metrics).toMatch(
      /threadline_deliveries_total\{integration="webhooks.ci",outcome="delivered"\} \d/,
    );
    expect(metrics).toContain('threadline_event_to_delivery_seconds_bucket');
    expect(metrics).toMatch(/threadline_queue_depth\{queue="deliveries.webhooks.ci",state="waiting"\}/);
  });
});
