import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { FakeSlack, type StoredMessage } from '../fakes/slack-api.js';
import {
  blockActionsPayload,
  buttons,
  interactionForm,
  postSlack,
  RESPONDER,
  SIGNING_SECRET,
  shownText,
} from '../platforms/slack/support.js';
import { alertmanagerConfig } from '../support/alertmanager.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/*
 * incidents.channels for incidents an alert source opens: the Slack incident channel gets the
 * live card of an Alertmanager group's incident, once, with its buttons; an Acknowledge pressed
 * there reaches the pager, and the group's resolved notification updates that card. The Slack
 * integration is routed incident_triggered into the same channel, as operators often wire it:
 * the two share the one card.
 */

const TOKEN = 'am-bearer-token-for-channels-0001';
const DD_TOKEN = 'dd-token-for-channels-0001';
const INCIDENTS = 'C0INCIDENTS';

let slack: FakeSlack;
let pagerduty: FakePagerDuty;
let app: TestApp;
const prefix = uniquePrefix('src-channels');
let groups = 0;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [INCIDENTS] });
  pagerduty = await FakePagerDuty.start();
  app = await startTestApp(
    alertmanagerConfig(
      prefix,
      `  alertmanager:
    bearer_token: "${TOKEN}"
  datadog:
    token: "${DD_TOKEN}"
`,
      `platforms:
  slack:
    enabled: true
    api_url: "${slack.apiUrl}"
    bot_token: "${slack.token}"
    signing_secret: "${SIGNING_SECRET}"
incidents:
  channels:
    slack: ${INCIDENTS}
integrations:
  slack:
    enabled: true
    channel: ${INCIDENTS}
    notify_on: [incident_triggered]
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    alert_on: [incident_triggered, incident_resolved]
rbac:
  roles:
    responder: ["slack:${RESPONDER}"]
`,
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await Promise.all([slack?.close(), pagerduty?.close()]);
  await dropPrefix(prefix);
});

/** One Alertmanager notification (webhook version 4) for a group of one alert on checkout. */
function notification(status: 'firing' | 'resolved', groupKey: string): string {
  const labels = { alertname: 'CheckoutLatency', job: 'checkout', severity: 'critical' };
  const annotations = { summary: 'Checkout p99 latency above 2s' };
  return JSON.stringify({
    receiver: 'threadline',
    status,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: '2026-11-29T14:29:40.38869531Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-29T14:35:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
        fingerprint: '5e2a1c0d9b8f7a61',
      },
    ],
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey,
    truncatedAlerts: 0,
  });
}

async function post(body: string, path = '/hooks/alertmanager'): Promise<Record<string, unknown>> {
  const response = await request(`${app.app.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${path === '/hooks/alertmanager' ? TOKEN : DD_TOKEN}`,
    },
    body,
  });
  const json = (await response.body.json()) as Record<string, unknown>;
  expect(response.statusCode, JSON.stringify(json)).toBe(202);
  return json;
}

function cards(id: string): StoredMessage[] {
  return slack.history(INCIDENTS).filter((m) => !m.thread_ts && shownText(m).includes(`${id}:`));
}

const pages = (id: string, action: 'trigger' | 'acknowledge' | 'resolve') =>
  pagerduty.events().filter((e) => e.event_action === action && e.dedup_key === `threadline:incident:${id}`);

describe('an incident an alert source opens, in the incident channel', () => {
  it('gets the live card there once; an ack there reaches the pager, and the resolve from the source updates it', async () => {
    const groupKey = `{}:{alertname="CheckoutLatency", run="${process.pid}-${++groups}"}`;
    const first = await post(notification('firing', groupKey));
    expect(first).toMatchObject({ opened: true, status: 'triggered' });
    const id = String(first.incident);

    const card = await waitFor(() => cards(id)[0], { what: 'the card in the Slack incident channel' });
    expect(shownText(card)).toContain(`${id}: Checkout p99 latency above 2s`);
    expect(shownText(card)).toContain('Opened by: alertmanager');
    expect(buttons(card).map((b) => b.action_id)).toEqual([
      'incident.ack',
      'incident.resolve',
      'incident.escalate',
    ]);
    await waitFor(
      () =>
        slack
          .replies(INCIDENTS, card.ts)
          .find((m) => shownText(m).includes(`🚨 ${id} opened for checkout by alertmanager`)),
      { what: 'the opening line under the card' },
    );

    // Alertmanager repeats a firing group every repeat_interval: the card stays one card.
    expect(await post(notification('firing', groupKey))).toMatchObject({ incident: id, opened: false });

    const pressed = await postSlack(
      app.app.url,
      interactionForm(
        blockActionsPayload({ actionId: 'incident.ack', value: id, messageTs: card.ts, channel: INCIDENTS }),
      ),
    );
    expect(pressed.status).toBe(200);
    await waitFor(() => shownText(cards(id)[0]).includes('Acknowledged'), {
      what: 'the card acknowledged',
    });
    await waitFor(() => pages(id, 'acknowledge').length === 1, { what: 'the PagerDuty acknowledge' });
    expect(shownText(cards(id)[0])).toContain(`slack:${RESPONDER}`);

    expect(await post(notification('resolved', groupKey))).toMatchObject({ incident: id, resolved: true });
    await waitFor(() => shownText(cards(id)[0]).includes('Resolved'), { what: 'the card resolved' });
    expect(buttons(cards(id)[0])).toEqual([]);
    const line = await waitFor(
      () => slack.replies(INCIDENTS, card.ts).find((m) => shownText(m).includes('✅')),
      { what: 'the resolved line under the card' },
    );
    expect(shownText(line)).toContain(`✅ ${id} resolved by alertmanager`);
    await waitFor(() => pages(id, 'resolve').length === 1, { what: 'the PagerDuty resolve' });

    expect(cards(id)).toHaveLength(1);
    expect(pages(id, 'acknowledge')).toHaveLength(1);
    // The routed trigger (alert_on) and the ack's catch-up share one record: one trigger in all.
    expect(pages(id, 'trigger')).toHaveLength(1);
    expect(
      slack.replies(INCIDENTS, card.ts).filter((m) => shownText(m).includes(`🚨 ${id} opened`)),
    ).toHaveLength(1);
    const jobs = app.app.queues.named('incident-cards');
    expect(await jobs.getJob(`channel.${id}.slack`)).toBeDefined();
  });

  it("shows a Datadog monitor's incident there with the monitor's link, one card for the channel and the Slack integration", async () => {
    const monitor = String(70_000_000 + (process.pid % 100_000));
    const answer = await post(
      JSON.stringify({
        id: String(7_044_395_812_838_900_000n + BigInt(process.pid)),
        event_type: 'query_alert_monitor',
        transition: 'Triggered',
        title: '[Triggered on {host:web-2}] Payments queue is backing up',
        monitor_id: monitor,
        cycle_key: String(7_044_395_812_838_950_000n + BigInt(process.pid)),
        aggreg_key: '3bd4ac313a4d1e8fae2482df7b77629',
        priority: 'P1',
        alert_type: 'error',
        scope: 'host:web-2',
        hostname: 'web-2',
        tags: 'env:prod,service:payments',
        link: 'https://app.datadoghq.eu/event/event?id=7044395812838834999',
        date: '1764426580000',
        org: { id: '1234567', name: 'Example Corp' },
      }),
      '/hooks/datadog',
    );
    expect(answer).toMatchObject({ opened: true });
    const id = String(answer.incident);

    const card = await waitFor(() => cards(id)[0], { what: 'the card in the Slack incident channel' });
    expect(JSON.stringify(card.blocks)).toContain(`https://app.datadoghq.eu/monitors/${monitor}`);
    await waitFor(
      () => slack.replies(INCIDENTS, card.ts).find((m) => shownText(m).includes(`🚨 ${id} opened`)),
      { what: 'the opening line under the card' },
    );
    // The Slack integration's notification of incident_triggered lands in the same thread.
    await waitFor(() => slack.replies(INCIDENTS, card.ts).length >= 2, {
      what: "the Slack integration's notification under the card",
    });
    expect(cards(id)).toHaveLength(1);
  });
});
