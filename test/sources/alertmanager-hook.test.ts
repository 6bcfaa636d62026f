import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentCard } from '../../cards/incident.js';
import { parseConfigText } from '../../src/config/load.js';
import { IncidentStore } from '../../src/workflows/incidents.js';
import { FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { alertmanagerConfig } from '../support/alertmanager.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const TOKEN = 'am-bearer-token-for-tests-0001';
const USER = 'alertmanager';
const PASSWORD = 'am-basic-password-for-tests-0001';
const bearer = { authorization: `Bearer ${TOKEN}` };
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

let groups = 0;
/** A notification as Alertmanager 0.25 posts it to a webhook_config, for one group. */
function notification(
  status: 'firing' | 'resolved',
  options: {
    groupKey?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    alerts?: number;
  } = {},
): Record<string, unknown> {
  const labels = { alertname: 'HighErrorRate', job: 'checkout', severity: 'critical', ...options.labels };
  const annotations = {
    summary: 'Checkout answers 5xx to 12% of requests',
    runbook_url: 'https://runbooks.example.com/checkout/errors',
    ...options.annotations,
  };
  const alerts = Array.from({ length: options.alerts ?? 1 }, (_, i) => ({
    status,
    labels: { ...labels, instance: `checkout-${i}:9090` },
    annotations,
    startsAt: '2026-11-29T14:29:40.38869531Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-29T14:35:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    fingerprint: `4f6a2e6c0cbb06${i}8`,
  }));
  return {
    receiver: 'threadline',
    status,
    alerts,
    groupLabels: { alertname: labels.alertname },
    commonLabels: options.alerts && options.alerts > 1 ? labels : alerts[0]!.labels,
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: options.groupKey ?? `{}:{alertname="HighErrorRate"}`,
    truncatedAlerts: 0,
  };
}

function newGroup(): string {
  return `{}:{alertname="HighErrorRate", run="${process.pid}-${++groups}"}`;
}

describe('POST /hooks/alertmanager', () => {
  let t: TestApp;
  let pagerduty: FakePagerDuty;
  let cards: WebhookReceiver;
  let store: IncidentStore;
  const redis = testRedis();
  const prefix = uniquePrefix('am-hook');

  beforeAll(async () => {
    pagerduty = await FakePagerDuty.start();
    cards = await new WebhookReceiver().start();
    t = await startTestApp(
      alertmanagerConfig(
        prefix,
        `  alertmanager:
    bearer_token: "${TOKEN}"
    basic_auth: { username: ${USER}, password: "${PASSWORD}" }
    severity: warning
`,
        `integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    alert_on: [incident_triggered, incident_resolved]
  webhooks:
    enabled: true
    endpoints:
      - name: cards
        url: "${cards.url}/incidents"
        events: [incident_triggered, incident_resolved]
`,
      ),
    );
    store = new IncidentStore(redis, prefix);
  });
  afterAll(async () => {
    await t.close();
    await pagerduty.close();
    await cards.stop();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  async function post(body: unknown, headers: Record<string, string> = bearer) {
    const response = await request(`${t.app.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      json: JSON.parse(text) as Record<string, unknown>,
    };
  }

  /** Events stored so far, from the app's own metrics. */
  async function stored(): Promise<number> {
    return (await t.app.metrics.eventsReceived.get()).values.reduce((n, v) => n + v.value, 0);
  }

  const pages = (incident: string, action: 'trigger' | 'resolve') =>
    pagerduty
      .events()
      .filter((e) => e.event_action === action && e.dedup_key === `threadline:incident:${incident}`);

  it('opens one incident for a firing group, with the alert on its card, and pages once', async () => {
    const groupKey = newGroup();
    const answer = await post(notification('firing', { groupKey }));
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ status: 'triggered', opened: true });
    const id = String(answer.json.incident);

    const incident = await store.get(id);
    expect(incident).toMatchObject({
      title: 'Checkout answers 5xx to 12% of requests',
      severity: 'critical',
      service: 'checkout',
      source: 'alertmanager',
      runbookUrl: 'https://runbooks.example.com/checkout/errors',
      labels: {
        alertname: 'HighErrorRate',
        instance: 'checkout-0:9090',
        job: 'checkout',
        severity: 'critical',
      },
      createdBy: 'alertmanager',
    });
    const card = incidentCard(incident);
    expect(card.links).toEqual([{ label: 'Runbook', url: 'https://runbooks.example.com/checkout/errors' }]);
    expect(card.fields).toContainEqual({ label: 'Source', value: 'alertmanager', inline: true });
    expect(card.fields).toContainEqual({
      label: 'Labels',
      value: 'alertname=HighErrorRate, instance=checkout-0:9090, job=checkout, severity=critical',
      inline: false,
    });
    expect(card.actions.map((a) => a.id)).toEqual(['incident.ack', 'incident.resolve', 'incident.escalate']);

    const [trigger] = await waitFor(
      () => (pages(id, 'trigger').length > 0 ? pages(id, 'trigger') : undefined),
      {
        what: 'the PagerDuty trigger',
      },
    );
    expect(trigger).toMatchObject({
      payload: {
        summary: 'Checkout answers 5xx to 12% of requests',
        severity: 'critical',
        source: 'checkout',
        custom_details: { 'label.alertname': 'HighErrorRate', 'label.instance': 'checkout-0:9090' },
      },
      links: [{ href: 'https://runbooks.example.com/checkout/errors', text: 'Runbook' }],
    });

    // Chat destinations and webhooks get the event /ops incident sends, with the alert's context.
    const event = await waitFor(
      () =>
        cards.requests
          .map((r) => JSON.parse(r.body) as { id: string })
          .find((e) => e.id === `${id}.triggered`),
      { what: 'the incident_triggered event at the webhook' },
    );
    expect(event).toMatchObject({
      event: 'incident_triggered',
      incident: {
        id,
        title: 'Checkout answers 5xx to 12% of requests',
        service: 'checkout',
        severity: 'critical',
        status: 'triggered',
        source: 'alertmanager',
        runbook_url: 'https://runbooks.example.com/checkout/errors',
        labels: { alertname: 'HighErrorRate', job: 'checkout' },
      },
      spec: { id },
    });
  });

  it('updates the open incident on a repeat or a regrouping, and stores no event, so nobody is paged twice', async () => {
    const groupKey = newGroup();
    const first = await post(notification('firing', { groupKey }));
    const id = String(first.json.incident);
    await waitFor(() => pages(id, 'trigger').length === 1, { what: 'the first trigger' });

    const before = await stored();
    const repeat = await post(notification('firing', { groupKey }));
    const grown = await post(notification('firing', { groupKey, alerts: 3 }), basic(USER, PASSWORD));
    expect(repeat.json).toEqual({ incident: id, status: 'triggered', opened: false });
    expect(grown.json).toEqual({ incident: id, status: 'triggered', opened: false });
    expect(await stored()).toBe(before);
    expect((await store.get(id)).title).toBe('Checkout answers 5xx to 12% of requests (3 alerts)');

    // The resolve is delivered after everything emitted before it: still the one trigger.
    await post(notification('resolved', { groupKey }));
    await waitFor(() => pages(id, 'resolve').length === 1, { what: 'the PagerDuty resolve' });
    expect(pages(id, 'trigger')).toHaveLength(1);
  });

  it('opens one incident when replicas or retries post the same new group at once', async () => {
    const groupKey = newGroup();
    const before = await stored();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => post(notification('firing', { groupKey }))),
    );
    const ids = new Set(answers.map((a) => a.json.incident));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.json.opened === true)).toHaveLength(1);
    const [id] = [...ids] as string[];
    await waitFor(() => pages(id!, 'trigger').length === 1, { what: 'the trigger' });
    // Racers emit the same INC-n.triggered event id: one stored, the rest duplicates.
    const received = (await t.app.metrics.eventsReceived.get()).values;
    const fresh = received.filter((v) => v.labels.duplicate === 'false').reduce((n, v) => n + v.value, 0);
    expect(await stored()).toBeGreaterThan(before);
    expect(fresh).toBeGreaterThan(0);
    expect(pages(id!, 'trigger')).toHaveLength(1);
  });

  it('resolves the incident when the group resolves, and a later firing opens a new one', async () => {
    const groupKey = newGroup();
    const opened = await post(notification('firing', { groupKey }));
    const first = String(opened.json.incident);

    const resolved = await post(notification('resolved', { groupKey }));
    expect(resolved.json).toEqual({ incident: first, status: 'resolved', resolved: true });
    expect(await store.get(first)).toMatchObject({ status: 'resolved' });
    expect((await store.get(first)).history.at(-1)).toMatchObject({ action: 'resolved', by: 'alertmanager' });
    await waitFor(() => pages(first, 'resolve').length === 1, { what: 'the PagerDuty resolve' });

    const again = await post(notification('resolved', { groupKey }));
    expect(again.json).toEqual({ incident: first, status: 'resolved', resolved: false });

    const refired = await post(notification('firing', { groupKey }));
    expect(refired.json).toMatchObject({ status: 'triggered', opened: true });
    expect(refired.json.incident).not.toBe(first);
    await waitFor(() => pages(String(refired.json.incident), 'trigger').length === 1, {
      what: 'the new incident page',
    });
  });

  it('opens a new incident when the group fires again after someone resolved its incident in chat', async () => {
    const groupKey = newGroup();
    const first = String((await post(notification('firing', { groupKey }))).json.incident);
    await store.resolve(first, 'slack:U1');
    const next = await post(notification('firing', { groupKey }));
    expect(next.json).toMatchObject({ opened: true });
    expect(next.json.incident).not.toBe(first);
  });

  it('ignores a resolved group it never opened an incident for', async () => {
    const answer = await post(notification('resolved', { groupKey: newGroup() }));
    expect(answer).toMatchObject({ status: 202, json: { ignored: true } });
  });

  it('takes the severity from the severity label, else the configured default, and the title from the alert name', async () => {
    const warn = await post(
      notification('firing', {
        groupKey: newGroup(),
        labels: { severity: 'Warning' },
        annotations: { summary: '' },
      }),
    );
    expect(await store.get(String(warn.json.incident))).toMatchObject({
      severity: 'warning',
      title: 'HighErrorRate',
    });
    const unlabelled = notification('firing', { groupKey: newGroup(), labels: { severity: 'sev-x' } });
    const plain = await post(unlabelled);
    expect((await store.get(String(plain.json.incident))).severity).toBe('warning');
    const noRunbook = await post(
      notification('firing', { groupKey: newGroup(), annotations: { runbook_url: 'javascript:alert(1)' } }),
    );
    expect((await store.get(String(noRunbook.json.incident))).runbookUrl).toBeUndefined();
  });

  it('refuses a request without the configured credentials, naming both ways to send them', async () => {
    const before = await stored();
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0000000000000000' },
      { authorization: `bearer ${TOKEN}x` },
      basic(USER, 'wrong-password'),
      basic('someone-else', PASSWORD),
      { authorization: `Basic ${Buffer.from(`${USER}${PASSWORD}`).toString('base64')}` },
      { authorization: `Token ${TOKEN}` },
    ]) {
      const answer = await post(notification('firing', { groupKey: newGroup() }), headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('Bearer');
      expect(answer.json).toMatchObject({ error: { code: 'bad_credentials' } });
      expect(JSON.stringify(answer.json)).not.toContain(TOKEN);
    }
    expect(await stored()).toBe(before);
    expect(t.logs()).not.toContain(PASSWORD);
  });

  it('accepts the bearer scheme in any case, and basic auth', async () => {
    expect(
      (await post(notification('firing', { groupKey: newGroup() }), { authorization: `bearer ${TOKEN}` }))
        .status,
    ).toBe(202);
    expect((await post(notification('firing', { groupKey: newGroup() }), basic(USER, PASSWORD))).status).toBe(
      202,
    );
  });

  it('answers 400 naming the wrong field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...notification('firing'), version: '3' }, 'version'],
      [{ ...notification('firing'), groupKey: undefined }, 'groupKey'],
      [{ ...notification('firing'), status: 'pending' }, 'status'],
      [{ ...notification('firing'), alerts: [] }, 'alerts'],
      [{ ...notification('firing'), alerts: [{ status: 'firing', labels: { a: 1 } }] }, 'alerts[0].labels.a'],
    ];
    for (const [body, field] of cases) {
      const answer = await post(body);
      expect(answer.status, field).toBe(400);
      expect(answer.json).toMatchObject({ error: { code: 'bad_body', field } });
    }
    expect((await post('{not json')).status).toBe(400);
  });
});

describe('POST /hooks/alertmanager while it is off', () => {
  it('tells the sender what turns it on', async () => {
    const prefix = uniquePrefix('am-off');
    const t = await startTestApp(testConfig(prefix, ''));
    try {
      const response = await request(`${t.app.url}/hooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer },
        body: JSON.stringify(notification('firing')),
      });
      expect(response.statusCode).toBe(404);
      expect(await response.body.json()).toMatchObject({
        error: { code: 'hook_off', message: expect.stringContaining('inbound.alertmanager.bearer_token') },
      });
    } finally {
      await t.close();
      await dropPrefix(prefix);
    }
  });
});

describe('inbound.alertmanager in the config', () => {
  it('is on once a credential is set, and keeps the credentials out of logs as secrets', () => {
    const loaded = parseConfigText(`inbound: { alertmanager: { bearer_token: "${TOKEN}" } }`, {});
    expect(loaded.config.inbound.alertmanager).toEqual({
      enabled: true,
      bearer_token: [TOKEN],
      basic_auth: [],
      severity: 'error',
    });
    expect(loaded.secrets).toContain(TOKEN);
    const basicOnly = parseConfigText(
      `inbound: { alertmanager: { basic_auth: [{ username: am, password: "${PASSWORD}" }] } }`,
      {},
    );
    expect(basicOnly.config.inbound.alertmanager.enabled).toBe(true);
    expect(basicOnly.secrets).toContain(PASSWORD);
  });

  it('is off without a credential', () => {
    expect(parseConfigText('integrations: {}', {}).config.inbound.alertmanager.enabled).toBe(false);
  });

  it('refuses enabled: true without a credential, naming the key', () => {
    expect(() => parseConfigText('inbound: { alertmanager: { enabled: true } }', {})).toThrow(
      /inbound\.alertmanager\.bearer_token: is required while POST \/hooks\/alertmanager is enabled/,
    );
  });
});
