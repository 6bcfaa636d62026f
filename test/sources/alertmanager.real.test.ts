import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/workflows/incidents.js';
import { type EnqueueBody, FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import {
  type AlertInput,
  alertmanagerConfig,
  findAlertmanager,
  LocalAlertmanager,
} from '../support/alertmanager.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const TOKEN = 'am-e2e-bearer-token-0001';
const USER = 'alertmanager';
const PASSWORD = 'am-e2e-basic-password-0001';

const binary = findAlertmanager();
const skip = 'skip' in binary ? binary.skip : undefined;
if (skip) console.warn(`Prometheus Alertmanager end-to-end test ${skip}`);

/**
 * The real Prometheus Alertmanager posting to POST /hooks/alertmanager: one route per way
 * `http_config` authenticates, groups flushed every second and repeated every two, so a run
 * takes seconds. Paging is observed at a loopback PagerDuty.
 */
describe.skipIf(skip !== undefined)('Prometheus Alertmanager as an alert source', () => {
  const prefix = uniquePrefix('am-real');
  const run = randomBytes(4).toString('hex');
  const redis = testRedis();
  let pagerduty: FakePagerDuty;
  let t: TestApp;
  let alertmanager: LocalAlertmanager;
  let store: IncidentStore;

  beforeAll(async () => {
    pagerduty = await FakePagerDuty.start();
    t = await startTestApp(
      alertmanagerConfig(
        prefix,
        `  alertmanager:
    bearer_token: "${TOKEN}"
    basic_auth: { username: ${USER}, password: "${PASSWORD}" }
`,
        `integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    alert_on: [incident_triggered, incident_resolved]
`,
      ),
    );
    store = new IncidentStore(redis, prefix);
    const url = `${t.app.url}/hooks/alertmanager`;
    alertmanager = await LocalAlertmanager.start((binary as { path: string }).path, {
      global: { resolve_timeout: '5m' },
      route: {
        receiver: 'bearer',
        group_by: ['alertname', 'auth'],
        group_wait: '0s',
        group_interval: '1s',
        repeat_interval: '2s',
        routes: [
          { matchers: ['auth="basic"'], receiver: 'basic' },
          { matchers: ['auth="wrong"'], receiver: 'wrong' },
        ],
      },
      receivers: [
        {
          name: 'bearer',
          webhook_configs: [{ url, http_config: { authorization: { type: 'Bearer', credentials: TOKEN } } }],
        },
        {
          name: 'basic',
          webhook_configs: [{ url, http_config: { basic_auth: { username: USER, password: PASSWORD } } }],
        },
        {
          name: 'wrong',
          webhook_configs: [{ url, http_config: { authorization: { credentials: 'not-the-token-0000' } } }],
        },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await alertmanager?.stop();
    await t?.close();
    await pagerduty?.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  function alert(auth: string, endsInMs: number): AlertInput {
    return {
      labels: { alertname: `ThreadlineE2E${run}`, auth, severity: 'critical', service: 'checkout' },
      annotations: {
        summary: `Checkout errors (${auth})`,
        runbook_url: 'https://runbooks.example.com/checkout',
      },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + endsInMs).toISOString(),
    };
  }

  const events = (summary: string, action: EnqueueBody['event_action']) => {
    const triggers = pagerduty.events().filter((e) => e.payload?.summary === summary);
    const keys = new Set(triggers.map((e) => e.dedup_key));
    return pagerduty.events().filter((e) => e.event_action === action && keys.has(e.dedup_key));
  };
  const incidentOf = (event: EnqueueBody) => event.dedup_key!.replace('threadline:incident:', '');

  it('opens one incident for a firing alert sent with a bearer token, and a repeat does not page twice', async () => {
    const summary = 'Checkout errors (bearer)';
    await alertmanager.post([alert('bearer', 600_000)]);
    const [trigger] = await waitFor(
      () => (events(summary, 'trigger').length > 0 ? events(summary, 'trigger') : 0),
      {
        what: 'the page for the firing alert',
        timeoutMs: 20_000,
      },
    );
    expect(trigger!.payload).toMatchObject({ summary, severity: 'critical', source: 'checkout' });
    const incident = await store.get(incidentOf(trigger!));
    expect(incident).toMatchObject({
      title: summary,
      source: 'alertmanager',
      runbookUrl: 'https://runbooks.example.com/checkout',
      labels: { auth: 'bearer', service: 'checkout', severity: 'critical' },
      status: 'triggered',
    });

    // Alertmanager sends the group again every repeat_interval: wait for two more notifications.
    const sent = (await alertmanager.counters()).notifications;
    await waitFor(async () => (await alertmanager.counters()).notifications >= sent + 2, {
      what: 'two repeats of the notification',
      timeoutMs: 20_000,
    });
    expect((await alertmanager.counters()).failed).toBe(0);
    expect(events(summary, 'trigger')).toHaveLength(1);
    expect((await store.get(incident.id)).status).toBe('triggered');
  }, 60_000);

  it('resolves the incident when the alert ends', async () => {
    const summary = 'Checkout errors (bearer)';
    const [trigger] = events(summary, 'trigger');
    await alertmanager.post([alert('bearer', -1_000)]);
    await waitFor(() => events(summary, 'resolve').length === 1, {
      what: 'the resolve at PagerDuty',
      timeoutMs: 20_000,
    });
    const incident = await store.get(incidentOf(trigger!));
    expect(incident.status).toBe('resolved');
    expect(incident.history.at(-1)).toMatchObject({ action: 'resolved', by: 'alertmanager' });
    expect(events(summary, 'trigger')).toHaveLength(1);
  }, 60_000);

  it('does the same for a receiver sending basic_auth', async () => {
    const summary = 'Checkout errors (basic)';
    await alertmanager.post([alert('basic', 600_000)]);
    const [trigger] = await waitFor(
      () => (events(summary, 'trigger').length > 0 ? events(summary, 'trigger') : 0),
      {
        what: 'the page for the basic_auth receiver',
        timeoutMs: 20_000,
      },
    );
    await alertmanager.post([alert('basic', -1_000)]);
    await waitFor(() => events(summary, 'resolve').length === 1, { what: 'its resolve', timeoutMs: 20_000 });
    expect((await store.get(incidentOf(trigger!))).status).toBe('resolved');
    expect(events(summary, 'trigger')).toHaveLength(1);
  }, 60_000);

  it('opens nothing for a receiver with the wrong credentials: Alertmanager sees the refusal', async () => {
    const before = (await alertmanager.counters()).failed;
    await alertmanager.post([alert('wrong', 600_000)]);
    await waitFor(async () => (await alertmanager.counters()).failed > before, {
      what: 'a failed notification at Alertmanager',
      timeoutMs: 20_000,
    });
    await waitFor(() => /status code 401/.test(alertmanager.logs()), {
      what: "the 401 in Alertmanager's log",
    });
    expect(pagerduty.events().filter((e) => e.payload?.summary === 'Checkout errors (wrong)')).toEqual([]);
    expect(t.logs()).not.toContain(PASSWORD);
    expect(t.logs()).not.toContain(TOKEN);
  }, 60_000);
});
