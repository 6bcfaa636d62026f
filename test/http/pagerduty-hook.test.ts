import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { allCompleted, deliveryOutcomes } from '../support/outcomes.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'pd-webhook-secret-for-tests-0001';

/** A v3 webhook as PagerDuty sends it, byte for byte, and its signature computed outside this code base. */
const KNOWN_BODY =
  '{"event":{"id":"01DEN4HPBQAUV4BKRN9NIVGNXE","event_type":"incident.acknowledged","resource_type":"incident","occurred_at":"2026-11-29T10:00:00.000Z","agent":{"id":"PLH1HKV","summary":"Alex Oncall","type":"user_reference"},"client":null,"data":{"id":"Q1ZR8CEBWBPT8D","type":"incident","self":"https://api.pagerduty.com/incidents/Q1ZR8CEBWBPT8D","html_url":"https://acme.pagerduty.com/incidents/Q1ZR8CEBWBPT8D","number":42,"status":"acknowledged","incident_key":"threadline:incident:INC-7","created_at":"2026-11-29T09:58:00Z","title":"Checkout API is down","service":{"id":"PSERV1","summary":"checkout","type":"service_reference"}}}}';
const KNOWN_SIGNATURE = 'v1=7d024b36218d69508344e3abae9dec3b8bb630e4602ca07723bed92bcafade04';

function signed(body: string, secret = SECRET): string {
  return `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

let counter = 0;
function webhook(
  eventType: string,
  data: Record<string, unknown> = {},
  id = `01PDEVENT${process.pid}X${++counter}`,
): string {
  return JSON.stringify({
    event: {
      id,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: '2026-11-29T10:05:00.000Z',
      agent: { id: 'PAGENT1', summary: 'Sam Pager', type: 'user_reference' },
      data: {
        id: 'Q2INCIDENT',
        type: 'incident',
        html_url: 'https://acme.pagerduty.com/incidents/Q2INCIDENT',
        number: 43,
        status: 'resolved',
        incident_key: 'threadline:incident:INC-9',
        title: 'Queue backlog',
        ...data,
      },
    },
  });
}

/** Events stored and refused so far, from the app's own metrics. */
async function counted(t: TestApp): Promise<{ stored: number; rejected: number }> {
  const sum = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
    (await metric.get()).values.reduce((n, v) => n + v.value, 0);
  return {
    stored: await sum(t.app.metrics.eventsReceived),
    rejected: await sum(t.app.metrics.eventsRejected),
  };
}

describe('POST /hooks/pagerduty', () => {
  let t: TestApp;
  let cards: WebhookReceiver;
  let pagerduty: FakePagerDuty;
  const prefix = uniquePrefix('pd-hook');

  beforeAll(async () => {
    cards = await new WebhookReceiver().start();
    pagerduty = await FakePagerDuty.start();
    t = await startTestApp(
      testConfig(
        prefix,
        `integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    alert_on: [incident_acknowledged, incident_resolved, incident_escalated]
    webhook: { secret: "${SECRET}" }
  webhooks:
    enabled: true
    endpoints:
      - name: cards
        url: "${cards.url}/incidents"
        events: [incident_acknowledged, incident_resolved, incident_escalated]
`,
      ),
    );
  });
  afterAll(async () => {
    await t.close();
    await cards.stop();
    await pagerduty.close();
    await dropPrefix(prefix);
  });

  async function post(body: string, headers: Record<string, string>) {
    const response = await request(`${t.app.url}/hooks/pagerduty`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.body.text();
    return { status: response.statusCode, json: JSON.parse(text) as Record<string, unknown> };
  }

  function delivered(eventId: string): Record<string, unknown> | undefined {
    const found = cards.requests.find((r) => (JSON.parse(r.body) as { id: string }).id === eventId);
    return found ? (JSON.parse(found.body) as Record<string, unknown>) : undefined;
  }

  it('verifies the known vector and routes incident.acknowledged as incident_acknowledged', async () => {
    expect(signed(KNOWN_BODY)).toBe(KNOWN_SIGNATURE);
    const answer = await post(KNOWN_BODY, { 'x-pagerduty-signature': KNOWN_SIGNATURE });
    expect(answer).toEqual({
      status: 202,
      json: { id: 'pagerduty.01DEN4HPBQAUV4BKRN9NIVGNXE', duplicate: false },
    });
    const event = await waitFor(() => delivered('pagerduty.01DEN4HPBQAUV4BKRN9NIVGNXE'), {
      what: 'the acknowledgement at the card receiver',
    });
    expect(event).toMatchObject({
      event: 'incident_acknowledged',
      timestamp: '2026-11-29T10:00:00.000Z',
      origin: 'pagerduty',
      incident: {
        id: 'INC-7',
        dedup_key: 'threadline:incident:INC-7',
        title: 'Checkout API is down',
        status: 'acknowledged',
        pager: 'pagerduty',
        pager_incident_id: 'Q1ZR8CEBWBPT8D',
        by: 'Alex Oncall',
        service: 'checkout',
        url: 'https://acme.pagerduty.com/incidents/Q1ZR8CEBWBPT8D',
      },
      spec: { id: 'INC-7', title: 'Checkout API is down' },
    });
  });

  it('never sends a pager-side change back to PagerDuty, though alert_on lists it', async () => {
    const deliveredBefore = await deliveryOutcomes(t.app.metrics, 'pagerduty', 'delivered');
    const body = webhook('incident.resolved');
    const answer = await post(body, { 'x-pagerduty-signature': signed(body) });
    expect(answer.status).toBe(202);
    await waitFor(() => delivered(String(answer.json.id)), { what: 'the resolution at the card receiver' });
    // The delivery ran to completion (completed jobs leave nothing behind in Redis) without a request.
    await waitFor(
      async () =>
        (await deliveryOutcomes(t.app.metrics, 'pagerduty', 'delivered')) === deliveredBefore + 1 &&
        (await allCompleted(t.app.queues.delivery('pagerduty'))),
      { what: 'the PagerDuty delivery to complete' },
    );
    expect(pagerduty.requests).toHaveLength(0);
  });

  it('maps incident.escalated, with who it escalated to', async () => {
    const body = webhook('incident.escalated', {
      status: 'triggered',
      incident_key: 'srv01/mysql',
      assignees: [{ id: 'PUSER2', summary: 'Kim Secondary', type: 'user_reference' }],
    });
    const answer = await post(body, { 'x-pagerduty-signature': signed(body) });
    expect(answer.status).toBe(202);
    const event = await waitFor(() => delivered(String(answer.json.id)), { what: 'the escalation' });
    expect(event).toMatchObject({
      event: 'incident_escalated',
      incident: { dedup_key: 'srv01/mysql', assignees: ['Kim Secondary'], pager_incident_id: 'Q2INCIDENT' },
      // Not one of Threadline's incidents: named by PagerDuty's number.
      spec: { id: 'PD-43' },
    });
    expect((event.incident as Record<string, unknown>).id).toBeUndefined();
  });

  it('accepts a delivery signed with several secrets while PagerDuty rotates them', async () => {
    const body = webhook('incident.acknowledged');
    const header = `${signed(body, 'the-old-secret-being-rotated-out')}, ${signed(body)}`;
    expect((await post(body, { 'x-pagerduty-signature': header })).status).toBe(202);
  });

  it('answers 401 to a missing or wrong signature, and stores nothing', async () => {
    const body = webhook('incident.acknowledged');
    const before = await counted(t);
    const missing = await post(body, {});
    const wrong = await post(body, { 'x-pagerduty-signature': signed(body, 'not-the-secret') });
    const tampered = await post(body.replace('Queue backlog', 'Queue backlag'), {
      'x-pagerduty-signature': signed(body),
    });
    for (const answer of [missing, wrong, tampered]) {
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: { code: 'bad_signature' } });
    }
    expect(await counted(t)).toEqual({ ...before, rejected: before.rejected + 3 });
  });

  it('answers 400 naming the field when a signed incident event lacks what it needs', async () => {
    const body = webhook('incident.acknowledged', { title: undefined });
    const answer = await post(body, { 'x-pagerduty-signature': signed(body) });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'bad_body', field: 'event.data.title' } });
    const bad = '{"event":{"id":"x y","event_type":"incident.resolved"}}';
    const envelope = await post(bad, { 'x-pagerduty-signature': signed(bad) });
    expect(envelope.status).toBe(400);
    expect(envelope.json).toMatchObject({ error: { field: 'event.id' } });
  });

  it('treats a redelivered webhook as a duplicate', async () => {
    const body = webhook('incident.acknowledged', {}, 'REDELIVERED0001');
    const first = await post(body, { 'x-pagerduty-signature': signed(body) });
    const again = await post(body, { 'x-pagerduty-signature': signed(body) });
    expect(first.json).toEqual({ id: 'pagerduty.REDELIVERED0001', duplicate: false });
    expect(again.json).toEqual({ id: 'pagerduty.REDELIVERED0001', duplicate: true });
  });

  it('answers 202 and ignores event types that do not change a card (the subscription ping)', async () => {
    const body = JSON.stringify({
      event: {
        id: 'PINGEVENT01',
        event_type: 'pagey.ping',
        resource_type: 'pagey',
        occurred_at: '2026-11-29T10:00:00Z',
        agent: null,
        data: { message: 'Hello from your friend Pagey!', type: 'ping' },
      },
    });
    const answer = await post(body, { 'x-pagerduty-signature': signed(body) });
    expect(answer).toEqual({
      status: 202,
      json: { ignored: true, reason: "pagey.ping does not change an incident's cards" },
    });
  });
});

describe('POST /hooks/pagerduty without a webhook secret', () => {
  it('is off, and says what turns it on', async () => {
    const prefix = uniquePrefix('pd-hook-off');
    const t = await startTestApp(
      testConfig(prefix, `integrations:\n  pagerduty: { enabled: true, routing_key: ${ROUTING_KEY} }\n`),
      // The route is an ingress matter; no workers need to start and stop for it.
      'ingress',
    );
    try {
      const response = await request(`${t.app.url}/hooks/pagerduty`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.statusCode).toBe(404);
      expect(await response.body.json()).toMatchObject({
        error: { message: expect.stringContaining('integrations.pagerduty.webhook.secret') },
      });
    } finally {
      await t.close();
      await dropPrefix(prefix);
    }
  });
});
