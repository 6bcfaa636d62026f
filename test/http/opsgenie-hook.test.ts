import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, FakeOpsgenie } from '../fakes/opsgenie.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { allCompleted, deliveryOutcomes } from '../support/outcomes.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'og-shared-secret-for-tests-0001';

let counter = 0;
/** An Opsgenie Webhook integration's request body for one alert action. */
function webhook(action: string, alert: Record<string, unknown> = {}): string {
  counter += 1;
  return JSON.stringify({
    action,
    alert: {
      alertId: `8418d193-2dab-4490-b331-8c02cdd196b7-${counter}`,
      message: 'Checkout API is down',
      tags: ['spec-automation'],
      tinyId: String(100 + counter),
      entity: 'checkout',
      alias: 'threadline:incident:INC-12',
      createdAt: 1_764_410_400_000,
      updatedAt: 1_764_410_460_000 + counter,
      username: 'alex@example.com',
      userId: '4513b7ea-3b91-438f-b7e4-e3e54af9147c',
      ...alert,
    },
    source: { name: 'web', type: 'web' },
    integrationName: 'Threadline',
    integrationId: '4513b7ea-3b91-b7e4-438f-e3e54af9147c',
    integrationType: 'Webhook',
  });
}

describe('POST /hooks/opsgenie', () => {
  let t: TestApp;
  let cards: WebhookReceiver;
  let opsgenie: FakeOpsgenie;
  const prefix = uniquePrefix('og-hook');

  beforeAll(async () => {
    cards = await new WebhookReceiver().start();
    opsgenie = await FakeOpsgenie.start();
    t = await startTestApp(
      testConfig(
        prefix,
        `integrations:
  opsgenie:
    enabled: true
    api_key: ${API_KEY}
    api_url: "${opsgenie.baseUrl}"
    alert_on: [incident_acknowledged, incident_resolved]
    webhook: { secret: "${SECRET}" }
  webhooks:
    enabled: true
    endpoints:
      - name: cards
        url: "${cards.url}/incidents"
        events: [incident_acknowledged, incident_resolved]
`,
      ),
    );
  });
  afterAll(async () => {
    await t.close();
    await cards.stop();
    await opsgenie.close();
    await dropPrefix(prefix);
  });

  async function post(body: string, headers: Record<string, string>) {
    const response = await request(`${t.app.url}/hooks/opsgenie`, {
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

  it('routes an Acknowledge carrying the shared secret in X-Threadline-Token as incident_acknowledged', async () => {
    const answer = await post(webhook('Acknowledge'), { 'x-threadline-token': SECRET });
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({
      id: expect.stringMatching(/^opsgenie\.[0-9a-f]{40}$/),
      duplicate: false,
    });
    const event = await waitFor(() => delivered(String(answer.json.id)), { what: 'the acknowledgement' });
    expect(event).toMatchObject({
      event: 'incident_acknowledged',
      origin: 'opsgenie',
      incident: {
        id: 'INC-12',
        dedup_key: 'threadline:incident:INC-12',
        title: 'Checkout API is down',
        status: 'acknowledged',
        pager: 'opsgenie',
        by: 'alex@example.com',
        service: 'checkout',
      },
      spec: { id: 'INC-12' },
    });
  });

  it('routes a Close as incident_resolved, and never sends it back to Opsgenie', async () => {
    const deliveredBefore = await deliveryOutcomes(t.app.metrics, 'opsgenie', 'delivered');
    const answer = await post(webhook('Close', { alias: 'checkout-down', tinyId: '77' }), {
      'x-threadline-token': SECRET,
    });
    expect(answer.status).toBe(202);
    const event = await waitFor(() => delivered(String(answer.json.id)), { what: 'the resolution' });
    expect(event).toMatchObject({
      event: 'incident_resolved',
      incident: { dedup_key: 'checkout-down', status: 'resolved' },
      spec: { id: 'OG-77' },
    });
    // The delivery ran to completion (completed jobs leave nothing behind in Redis) without a request.
    await waitFor(
      async () =>
        (await deliveryOutcomes(t.app.metrics, 'opsgenie', 'delivered')) === deliveredBefore + 1 &&
        (await allCompleted(t.app.queues.delivery('opsgenie'))),
      { what: 'the Opsgenie delivery to complete' },
    );
    expect(opsgenie.requests).toHaveLength(0);
  });

  it('accepts the secret as a basic-auth password', async () => {
    const basic = Buffer.from(`opsgenie:${SECRET}`).toString('base64');
    expect((await post(webhook('Acknowledge'), { authorization: `Basic ${basic}` })).status).toBe(202);
  });

  it('answers 401 without the shared secret', async () => {
    const body = webhook('Acknowledge');
    const wrongBasic = Buffer.from('opsgenie:guess').toString('base64');
    const attempts: Array<Record<string, string>> = [
      {},
      { 'x-threadline-token': 'not-the-secret' },
      { authorization: `Basic ${wrongBasic}` },
      { authorization: `Bearer ${SECRET}` },
    ];
    for (const headers of attempts) {
      const answer = await post(body, headers);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: { code: 'bad_token' } });
    }
  });

  it('answers 400 naming the field when an authenticated request is not an alert action', async () => {
    const answer = await post(webhook('Acknowledge', { alertId: 7 }), { 'x-threadline-token': SECRET });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      error: {
        code: 'bad_body',
        field: 'alert.alertId',
        message: 'alert.alertId: must be a string, got number',
      },
    });
    const missing = await post('{"alert":{"alertId":"a","message":"m"}}', { 'x-threadline-token': SECRET });
    expect(missing.json).toMatchObject({ error: { field: 'action', message: 'action: is required' } });
  });

  it('treats a redelivered request as a duplicate', async () => {
    const body = webhook('Acknowledge');
    const first = await post(body, { 'x-threadline-token': SECRET });
    const again = await post(body, { 'x-threadline-token': SECRET });
    expect(again.json).toEqual({ id: first.json.id, duplicate: true });
  });

  it('answers 202 and ignores actions that do not change a card', async () => {
    const answer = await post(webhook('AddNote'), { 'x-threadline-token': SECRET });
    expect(answer).toEqual({
      status: 202,
      json: { ignored: true, reason: "the AddNote action does not change an incident's cards" },
    });
  });
});
