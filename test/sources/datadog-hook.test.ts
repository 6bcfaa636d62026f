import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentCard } from '../../cards/incident.js';
import { parseConfigText } from '../../src/config/load.js';
import { IncidentStore } from '../../src/workflows/incidents.js';
import { shownText } from '../platforms/slack/support.js';
import { startTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { AlertSourceRig } from '../support/sources.js';
import { waitFor } from '../support/wait.js';

const TOKEN = 'dd-webhook-token-for-tests-0001';
const USER = 'datadog';
const PASSWORD = 'dd-basic-password-for-tests-0001';
const byHeader = { 'x-threadline-token': TOKEN };
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

let sequence = 0;
const next = () => `${7_044_395_812_838_800_000n + BigInt(process.pid * 1000 + ++sequence)}`;

/**
 * A notification as Datadog posts it with the payload template of docs/integrations.md: every
 * `$VARIABLE` filled in as a string, for a multi-alert query monitor on the checkout service.
 */
function notification(
  transition: string,
  options: {
    monitor?: string;
    cycle?: string;
    aggreg?: string;
    id?: string;
    priority?: string;
    alertType?: string;
    tags?: string;
    link?: string;
  } = {},
): Record<string, unknown> {
  const host = 'web-1';
  return {
    id: options.id ?? next(),
    event_type: 'query_alert_monitor',
    transition,
    title: `[${transition} on {host:${host}}] Checkout 5xx rate is high`,
    monitor_id: options.monitor ?? '81234567',
    cycle_key: options.cycle ?? '',
    aggreg_key: options.aggreg ?? '9bd4ac313a4d1e8fae2482df7b77628',
    priority: options.priority ?? 'P1',
    alert_type: options.alertType ?? (transition === 'Recovered' ? 'success' : 'error'),
    status: 'sum(last_5m):sum:trace.http.request.errors{service:checkout} by {host} > 50',
    scope: `host:${host}`,
    hostname: host,
    tags: options.tags ?? 'env:prod,service:checkout,team:payments,canary',
    link: options.link ?? 'https://app.datadoghq.eu/event/event?id=7044395812838834582',
    date: '1764426580000',
    org: { id: '1234567', name: 'Example Corp' },
  };
}

let monitors = 0;
/** A fresh monitor and alert cycle per test, so tests never share a group. */
function newMonitor(): { monitor: string; cycle: string } {
  monitors += 1;
  return { monitor: `${80_000_000 + (process.pid % 10_000) * 100 + monitors}`, cycle: next() };
}

describe('POST /hooks/datadog', () => {
  let rig: AlertSourceRig;
  let store: IncidentStore;
  const redis = testRedis();

  beforeAll(async () => {
    rig = await AlertSourceRig.start(
      'dd-hook',
      `  datadog:
    token: "${TOKEN}"
    basic_auth: { username: ${USER}, password: "${PASSWORD}" }
    severity: warning
`,
    );
    store = new IncidentStore(redis, rig.prefix);
  });
  afterAll(async () => {
    await rig.close();
    redis.disconnect();
  });

  const post = (body: unknown, headers: Record<string, string> = byHeader) =>
    rig.post('/hooks/datadog', typeof body === 'string' ? body : JSON.stringify(body), headers);

  it('opens one incident for a triggered monitor, with its card in Slack, and pages once', async () => {
    const { monitor, cycle } = newMonitor();
    const answer = await post(notification('Triggered', { monitor, cycle }));
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ status: 'triggered', opened: true });
    const id = String(answer.json.incident);

    const incident = await store.get(id);
    expect(incident).toMatchObject({
      title: 'Checkout 5xx rate is high',
      severity: 'critical',
      service: 'checkout',
      source: 'datadog',
      labels: {
        env: 'prod',
        service: 'checkout',
        team: 'payments',
        canary: '',
        host: 'web-1',
        monitor_id: monitor,
      },
      links: [
        { label: 'Datadog monitor', url: `https://app.datadoghq.eu/monitors/${monitor}` },
        { label: 'Datadog event', url: 'https://app.datadoghq.eu/event/event?id=7044395812838834582' },
      ],
      createdBy: 'datadog',
    });
    expect(incidentCard(incident).fields).toContainEqual({
      label: 'Labels',
      value: `canary, env=prod, host=web-1, monitor_id=${monitor}, service=checkout, team=payments`,
      inline: false,
    });

    const [card] = await waitFor(() => (rig.cards(id).length > 0 ? rig.cards(id) : undefined), {
      what: 'the incident card in Slack',
    });
    const shown = shownText(card);
    expect(shown).toContain(`${id}: Checkout 5xx rate is high`);
    expect(shown).toContain('critical');
    expect(shown).toContain('service=checkout');
    expect(JSON.stringify(card!.blocks)).toContain(`https://app.datadoghq.eu/monitors/${monitor}`);

    const [trigger] = await waitFor(
      () => (rig.pages(id, 'trigger').length > 0 ? rig.pages(id, 'trigger') : undefined),
      {
        what: 'the PagerDuty trigger',
      },
    );
    expect(trigger).toMatchObject({
      payload: {
        summary: 'Checkout 5xx rate is high',
        severity: 'critical',
        source: 'checkout',
        custom_details: { 'label.env': 'prod', 'label.monitor_id': monitor },
      },
      links: expect.arrayContaining([
        { href: `https://app.datadoghq.eu/monitors/${monitor}`, text: 'Datadog monitor' },
      ]),
    });
    expect(rig.cards(id)).toHaveLength(1);
  });

  it('updates the incident on Re-Triggered and Renotify without paging again, and resolves it on Recovered', async () => {
    const { monitor, cycle } = newMonitor();
    const id = String((await post(notification('Triggered', { monitor, cycle }))).json.incident);
    await waitFor(() => rig.pages(id, 'trigger').length === 1, { what: 'the first trigger' });

    const before = await rig.stored();
    for (const transition of ['Re-Triggered', 'Renotify']) {
      const repeat = await post(notification(transition, { monitor, cycle }));
      expect(repeat.json, transition).toEqual({ incident: id, status: 'triggered', opened: false });
    }
    expect(await rig.stored()).toBe(before);
    expect((await store.get(id)).title).toBe('Checkout 5xx rate is high');

    const recovered = await post(notification('Recovered', { monitor, cycle }));
    expect(recovered.json).toEqual({ incident: id, status: 'resolved', resolved: true });
    expect((await store.get(id)).history.at(-1)).toMatchObject({ action: 'resolved', by: 'datadog' });
    await waitFor(() => rig.pages(id, 'resolve').length === 1, { what: 'the PagerDuty resolve' });
    expect(rig.pages(id, 'trigger')).toHaveLength(1);
    await waitFor(() => rig.cards(id).some((m) => shownText(m).includes('Resolved')), {
      what: 'the card showing the incident resolved',
    });
    expect(rig.cards(id)).toHaveLength(1);
  });

  it('answers a retried delivery (same $ID) as the first time, and a trigger after its own recovery reopens nothing', async () => {
    const { monitor, cycle } = newMonitor();
    const triggered = notification('Triggered', { monitor, cycle });
    const first = await post(triggered);
    const id = String(first.json.incident);
    const retried = await post(triggered);
    expect(retried.json).toEqual({ ...first.json, duplicate: true });

    await post(notification('Recovered', { monitor, cycle }));
    await waitFor(() => rig.pages(id, 'resolve').length === 1, { what: 'the resolve' });
    const before = await rig.stored();
    // Datadog retrying the trigger after the recovery went through: the same delivery.
    expect((await post(triggered)).json).toMatchObject({ incident: id, opened: true, duplicate: true });
    // A late trigger of the same alert cycle under another event id: the episode is over.
    expect((await post(notification('Re-Triggered', { monitor, cycle }))).json).toEqual({
      incident: id,
      status: 'resolved',
      opened: false,
    });
    expect(await rig.stored()).toBe(before);
    expect(rig.pages(id, 'trigger')).toHaveLength(1);
  });

  it('opens a new incident for the next alert cycle of the same monitor', async () => {
    const { monitor, cycle } = newMonitor();
    const first = String((await post(notification('Triggered', { monitor, cycle }))).json.incident);
    await post(notification('Recovered', { monitor, cycle }));
    const again = await post(notification('Triggered', { monitor, cycle: next() }));
    expect(again.json).toMatchObject({ status: 'triggered', opened: true });
    expect(again.json.incident).not.toBe(first);
    await waitFor(() => rig.pages(String(again.json.incident), 'trigger').length === 1, {
      what: 'the new incident page',
    });
  });

  it('groups by the aggregation key when the payload has no cycle key, reopening after a recovery', async () => {
    const { monitor } = newMonitor();
    const aggreg = `aggreg-${monitor}`;
    const first = await post(notification('Triggered', { monitor, aggreg }));
    const repeat = await post(notification('Re-Triggered', { monitor, aggreg }));
    expect(repeat.json).toMatchObject({ incident: first.json.incident, opened: false });
    const other = await post(notification('Triggered', { monitor, aggreg: `${aggreg}-other-host` }));
    expect(other.json.incident).not.toBe(first.json.incident);
    await post(notification('Recovered', { monitor, aggreg }));
    const reopened = await post(notification('Triggered', { monitor, aggreg }));
    expect(reopened.json).toMatchObject({ opened: true });
    expect(reopened.json.incident).not.toBe(first.json.incident);
  });

  it('takes the severity from the priority, Warn, the alert type, else the configured default', async () => {
    const severity = async (transition: string, options: Parameters<typeof notification>[1]) => {
      const answer = await post(notification(transition, { ...newMonitor(), ...options }));
      return (await store.get(String(answer.json.incident))).severity;
    };
    expect(await severity('Triggered', { priority: 'P2' })).toBe('error');
    expect(await severity('Triggered', { priority: 'P3' })).toBe('warning');
    expect(await severity('Triggered', { priority: 'P5' })).toBe('info');
    expect(await severity('Warn', { priority: 'P1' })).toBe('warning');
    expect(await severity('Triggered', { priority: '', alertType: 'error' })).toBe('error');
    // A variable Datadog had no value for arrives unfilled: the configured default applies.
    expect(await severity('Triggered', { priority: '$ALERT_PRIORITY', alertType: '' })).toBe('warning');
    const noData = await post(notification('No Data', newMonitor()));
    expect((await store.get(String(noData.json.incident))).title).toBe('Checkout 5xx rate is high (no data)');
  });

  it('raises the open incident to the graver severity when a Warn turns into a trigger, and never lowers it', async () => {
    const { monitor, cycle } = newMonitor();
    const id = String((await post(notification('Warn', { monitor, cycle }))).json.incident);
    expect((await store.get(id)).severity).toBe('warning');
    expect((await post(notification('Triggered', { monitor, cycle, priority: 'P1' }))).json).toMatchObject({
      incident: id,
      opened: false,
    });
    expect((await store.get(id)).severity).toBe('critical');
    await post(notification('Re-Warn', { monitor, cycle }));
    expect((await store.get(id)).severity).toBe('critical');
  });

  it('links only to http(s) pages', async () => {
    const answer = await post(notification('Triggered', { ...newMonitor(), link: 'javascript:alert(1)' }));
    expect((await store.get(String(answer.json.incident))).links).toBeUndefined();
  });

  it('acknowledges a transition that opens nothing', async () => {
    const answer = await post(notification('Null', newMonitor()));
    expect(answer).toMatchObject({ status: 202, json: { ignored: true } });
    const unknown = await post(notification('Recovered', newMonitor()));
    expect(unknown).toMatchObject({ status: 202, json: { ignored: true } });
  });

  it('refuses a request without the configured credentials', async () => {
    const before = await rig.stored();
    const refused: Array<Record<string, string>> = [
      {},
      { 'x-threadline-token': 'wrong-token-00000000000000' },
      { 'x-threadline-token': `${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      basic(USER, 'wrong-password'),
      basic('someone-else', PASSWORD),
      { authorization: `Token ${TOKEN}` },
    ];
    for (const headers of refused) {
      const answer = await post(notification('Triggered', newMonitor()), headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('Basic');
      expect(answer.json).toMatchObject({ error: { code: 'bad_credentials' } });
      expect(JSON.stringify(answer.json)).not.toContain(TOKEN);
    }
    expect(await rig.stored()).toBe(before);
    expect(rig.app.logs()).not.toContain(PASSWORD);
  });

  it('accepts the token in the custom header or as a bearer token, and basic auth', async () => {
    for (const headers of [byHeader, { authorization: `Bearer ${TOKEN}` }, basic(USER, PASSWORD)])
      expect(
        (await post(notification('Triggered', newMonitor()), headers)).status,
        JSON.stringify(headers),
      ).toBe(202);
  });

  it('answers 400 naming the wrong field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...notification('Triggered'), id: undefined }, 'id'],
      [{ ...notification('Triggered'), id: '$ID' }, 'id'],
      [{ ...notification('Triggered'), transition: '' }, 'transition'],
      [{ ...notification('Triggered'), monitor_id: undefined }, 'monitor_id'],
      [{ ...notification('Triggered'), title: { text: 'x' } }, 'title'],
      [{ ...notification('Triggered'), tags: ['env:prod'] }, 'tags'],
    ];
    for (const [body, field] of cases) {
      const answer = await post(body);
      expect(answer.status, field).toBe(400);
      expect(answer.json).toMatchObject({ error: { code: 'bad_body', field } });
    }
    expect((await post('{not json')).status).toBe(400);
  });
});

describe('POST /hooks/datadog while it is off', () => {
  it('tells the sender what turns it on', async () => {
    const prefix = uniquePrefix('dd-off');
    const t = await startTestApp(testConfig(prefix, ''));
    try {
      const response = await request(`${t.app.url}/hooks/datadog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...byHeader },
        body: JSON.stringify(notification('Triggered')),
      });
      expect(response.statusCode).toBe(404);
      expect(await response.body.json()).toMatchObject({
        error: { code: 'hook_off', message: expect.stringContaining('inbound.datadog.token') },
      });
    } finally {
      await t.close();
      await dropPrefix(prefix);
    }
  });
});

describe('inbound.datadog in the config', () => {
  it('is on once a credential is set, and keeps the credentials out of logs as secrets', () => {
    const loaded = parseConfigText(`inbound: { datadog: { token: "${TOKEN}" } }`, {});
    expect(loaded.config.inbound.datadog).toEqual({
      enabled: true,
      token: [TOKEN],
      basic_auth: [],
      severity: 'error',
    });
    expect(loaded.secrets).toContain(TOKEN);
    const basicOnly = parseConfigText(
      `inbound: { datadog: { basic_auth: [{ username: dd, password: "${PASSWORD}" }] } }`,
      {},
    );
    expect(basicOnly.config.inbound.datadog.enabled).toBe(true);
    expect(basicOnly.secrets).toContain(PASSWORD);
  });

  it('is off without a credential', () => {
    expect(parseConfigText('integrations: {}', {}).config.inbound.datadog.enabled).toBe(false);
  });

  it('refuses enabled: true without a credential, naming the key', () => {
    expect(() => parseConfigText('inbound: { datadog: { enabled: true } }', {})).toThrow(
      /inbound\.datadog\.token: is required while POST \/hooks\/datadog is enabled/,
    );
  });
});
