import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PollState } from '../../src/connectors/paging/poll-state.js';
import { FakeOpsgenie, API_KEY as OPSGENIE_KEY } from '../fakes/opsgenie.js';
import { API_TOKEN, FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { FakeSlack, type StoredMessage } from '../fakes/slack-api.js';
import { postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const PD_SECRET = 'pd-webhook-secret-for-pager-polls';
const OG_SECRET = 'og-webhook-secret-for-pager-polls';
const CHANNELS = ['C0POLLA', 'C0POLLB', 'C0POLLC', 'C0POLLD', 'C0POLLE', 'C0POLLF', 'C0POLLG'];

/** Slack plus both pagers, each polled every 200 ms, with their webhooks configured but silent. */
function config(
  prefix: string,
  slack: FakeSlack,
  pagerduty: FakePagerDuty,
  opsgenie: FakeOpsgenie,
  resumeAfter = '1h',
) {
  return testConfig(
    prefix,
    `${slackYaml(slack)}
integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    api_token: "${API_TOKEN}"
    events_url: "${pagerduty.eventsUrl}"
    api_url: "${pagerduty.baseUrl}"
    poll_interval: 200ms
    poll_resume_after: ${resumeAfter}
    webhook: { secret: "${PD_SECRET}" }
  opsgenie:
    enabled: true
    api_key: ${OPSGENIE_KEY}
    api_url: "${opsgenie.baseUrl}"
    poll_interval: 200ms
    webhook: { secret: "${OG_SECRET}" }
`,
  );
}

interface Fakes {
  slack: FakeSlack;
  pagerduty: FakePagerDuty;
  opsgenie: FakeOpsgenie;
}

async function startFakes(): Promise<Fakes> {
  const [slack, pagerduty, opsgenie] = await Promise.all([
    FakeSlack.start({ channels: CHANNELS }),
    FakePagerDuty.start(),
    FakeOpsgenie.start(),
  ]);
  return { slack, pagerduty, opsgenie };
}

async function stopFakes(fakes: Fakes | undefined): Promise<void> {
  await Promise.all([fakes?.slack.close(), fakes?.pagerduty.close(), fakes?.opsgenie.close()]);
}

/** `/ops page` in a channel; resolves once both pagers have the alert. */
async function page(
  t: TestApp,
  fakes: Fakes,
  channel: string,
  summary: string,
): Promise<{ id: string; key: string }> {
  const response = await postSlack(
    t.app.url,
    slashForm(`page payments "${summary}"`, { channel_id: channel, response_url: fakes.slack.responseUrl() }),
  );
  expect(response.status).toBe(200);
  const card = await waitFor(() => fakes.slack.history(channel).find((m) => !m.thread_ts), {
    what: `the incident card in ${channel}`,
  });
  const id = /INC-\d+/.exec(shownText(card))![0];
  const key = `threadline:incident:${id}`;
  await waitFor(() => fakes.pagerduty.alerts.get(key) && fakes.opsgenie.alerts.get(key), {
    what: 'the alert at both pagers',
  });
  return { id, key };
}

function card(fakes: Fakes, channel: string): StoredMessage | undefined {
  return fakes.slack.history(channel).find((m) => !m.thread_ts);
}

function threadLines(fakes: Fakes, channel: string, text: string): number {
  const parent = card(fakes, channel);
  if (!parent) return 0;
  return fakes.slack.replies(channel, parent.ts).filter((m) => shownText(m).includes(text)).length;
}

/** Waits until a pager's poller has run `more` ticks from now, the last of them with `outcome`. */
async function ticks(prefix: string, pager: string, more: number, outcome: string): Promise<void> {
  const redis = testRedis();
  try {
    const state = new PollState(redis, prefix);
    const start = (await state.read(pager)).ticks;
    await waitFor(
      async () => {
        const now = await state.read(pager);
        return now.ticks >= start + more && now.outcome === outcome;
      },
      { what: `${more} more ${pager} poll ticks ending ${outcome}` },
    );
  } finally {
    redis.disconnect();
  }
}

/** A signed PagerDuty delivery Threadline does not act on (a priority change): only proof that webhooks arrive. */
async function pagerDutyPing(t: TestApp, key: string): Promise<number> {
  const body = JSON.stringify({
    event: {
      id: `01POLL${process.pid}X${Date.now()}`,
      event_type: 'incident.priority_updated',
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      data: { id: 'Q1POLL', type: 'incident', title: 'a priority change', incident_key: key },
    },
  });
  const response = await request(`${t.app.url}/hooks/pagerduty`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-pagerduty-signature': `v1=${createHmac('sha256', PD_SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  await response.body.text();
  return response.statusCode;
}

function pdEvents(fakes: Fakes, key: string, action: string): number {
  return fakes.pagerduty.events().filter((e) => e.dedup_key === key && e.event_action === action).length;
}

describe('status polling when the pagers’ webhooks do not reach us', () => {
  const prefix = uniquePrefix('pager-poll');
  let fakes: Fakes;
  let t: TestApp;

  beforeAll(async () => {
    fakes = await startFakes();
    t = await startTestApp(config(prefix, fakes.slack, fakes.pagerduty, fakes.opsgenie));
  });

  afterAll(async () => {
    await t?.close();
    await stopFakes(fakes);
    await dropPrefix(prefix);
  });

  it('an ack made in PagerDuty, with no webhook, updates the card within a poll, once, and is not sent back', async () => {
    const { id, key } = await page(t, fakes, 'C0POLLA', 'checkout 500s');

    fakes.pagerduty.changeInPagerDuty(key, 'acknowledged', 'Ana Oncall');

    await waitFor(() => shownText(card(fakes, 'C0POLLA')).includes('Acknowledged'), {
      what: 'the Slack card showing the acknowledgement',
    });
    expect(shownText(card(fakes, 'C0POLLA'))).toContain('Ana Oncall');
    await waitFor(
      () => threadLines(fakes, 'C0POLLA', `👀 ${id} acknowledged by Ana Oncall in PagerDuty`) === 1,
      {
        what: 'the line in the thread',
      },
    );
    const incident = await t.app.chat!.services.incidents.get(id);
    expect(incident.history.at(-1)).toMatchObject({
      action: 'acknowledged',
      by: 'Ana Oncall',
      via: 'pagerduty',
    });
    // Passed on to the other pager like a webhook's change, and never back to PagerDuty.
    await waitFor(() => fakes.opsgenie.alerts.get(key)?.acknowledged, { what: 'Opsgenie acknowledged' });
    await ticks(prefix, 'pagerduty', 3, 'polled');
    expect(pdEvents(fakes, key, 'acknowledge')).toBe(0);
    expect(threadLines(fakes, 'C0POLLA', 'acknowledged by')).toBe(1);
    expect(
      (await t.app.chat!.services.incidents.get(id)).history.filter((h) => h.action === 'acknowledged'),
    ).toHaveLength(1);
  });

  it('a close in Opsgenie resolves the incident through its poll, and the incident is polled no more', async () => {
    const { id, key } = await page(t, fakes, 'C0POLLB', 'disk full');

    fakes.opsgenie.changeInOpsgenie(key, 'close', 'sam@example.com');

    await waitFor(() => shownText(card(fakes, 'C0POLLB')).includes('Resolved'), {
      what: 'the Slack card resolved',
    });
    await waitFor(
      () => threadLines(fakes, 'C0POLLB', `✅ ${id} resolved by sam@example.com in Opsgenie`) === 1,
      {
        what: 'the line in the thread',
      },
    );
    // The other pager is told through its own call; the one that reported it is not.
    await waitFor(() => fakes.pagerduty.alerts.get(key)?.status === 'resolved', {
      what: 'PagerDuty resolved',
    });
    expect(fakes.opsgenie.alerts.get(key)?.log.filter((l) => l.action === 'close')).toHaveLength(1);

    await ticks(prefix, 'opsgenie', 2, 'polled');
    const reads = fakes.opsgenie.alertReads().filter((r) => r.path.endsWith(encodeURIComponent(key))).length;
    await ticks(prefix, 'opsgenie', 3, 'polled');
    expect(fakes.opsgenie.alertReads().filter((r) => r.path.endsWith(encodeURIComponent(key)))).toHaveLength(
      reads,
    );
  });

  it('warns once naming the key when Opsgenie refuses the read (401), and does not keep asking', async () => {
    await page(t, fakes, 'C0POLLC', 'cache misses');
    await ticks(prefix, 'opsgenie', 1, 'polled');
    fakes.opsgenie.reply({
      status: 401,
      body: { message: 'Could not authenticate', took: 0, requestId: 'r' },
    });

    await ticks(prefix, 'opsgenie', 1, 'auth_failed');
    const reads = fakes.opsgenie.alertReads().length;
    await ticks(prefix, 'opsgenie', 4, 'auth_failed');

    expect(fakes.opsgenie.alertReads()).toHaveLength(reads);
    const warnings = t
      .logs()
      .split('\n')
      .filter((line) => line.includes('opsgenie refused a status read: check integrations.opsgenie.api_key'));
    expect(warnings).toHaveLength(1);
    expect(t.logs()).not.toContain(OPSGENIE_KEY);
  });

  it('stops polling PagerDuty once a verified webhook from it arrives', async () => {
    const { key } = await page(t, fakes, 'C0POLLD', 'queue backlog');
    await ticks(prefix, 'pagerduty', 1, 'polled');

    // Any verified delivery shows the webhooks reach us, even one about a change Threadline ignores.
    expect(await pagerDutyPing(t, key)).toBe(202);

    await ticks(prefix, 'pagerduty', 1, 'paused');
    const reads = fakes.pagerduty.incidentReads().length;
    await ticks(prefix, 'pagerduty', 4, 'paused');
    expect(fakes.pagerduty.incidentReads()).toHaveLength(reads);
    expect(t.logs()).toContain('pagerduty webhooks arrive: status polling paused');
  });
});

describe('status polling across a restart', () => {
  const prefix = uniquePrefix('pager-poll-restart');
  let fakes: Fakes;
  let t: TestApp | undefined;

  beforeAll(async () => {
    fakes = await startFakes();
  });

  afterAll(async () => {
    await t?.close();
    await stopFakes(fakes);
    await dropPrefix(prefix);
  });

  it('does not announce again a change already applied before the restart', async () => {
    t = await startTestApp(config(prefix, fakes.slack, fakes.pagerduty, fakes.opsgenie));
    const { id, key } = await page(t, fakes, 'C0POLLE', 'ledger lag');
    fakes.pagerduty.changeInPagerDuty(key, 'acknowledged', 'Ana Oncall');
    await waitFor(() => threadLines(fakes, 'C0POLLE', `${id} acknowledged by Ana Oncall`) === 1, {
      what: 'the line in the thread',
    });
    await t.close();

    t = await startTestApp(config(prefix, fakes.slack, fakes.pagerduty, fakes.opsgenie));
    await ticks(prefix, 'pagerduty', 3, 'polled');
    await ticks(prefix, 'opsgenie', 3, 'polled');

    expect(threadLines(fakes, 'C0POLLE', 'acknowledged by')).toBe(1);
    const incident = await t.app.chat!.services.incidents.get(id);
    expect(incident.history.filter((h) => h.action === 'acknowledged')).toHaveLength(1);
    expect(pdEvents(fakes, key, 'acknowledge')).toBe(0);
  });

  it('honours a 429 from PagerDuty: no read until its Retry-After has passed', async () => {
    await page(t!, fakes, 'C0POLLF', 'search down');
    fakes.pagerduty.reply({
      status: 429,
      headers: { 'retry-after': '120' },
      body: { error: { message: 'Rate Limit Exceeded', code: 2020 } },
    });
    await ticks(prefix, 'pagerduty', 1, 'rate_limited');
    const reads = fakes.pagerduty.incidentReads().length;
    await ticks(prefix, 'pagerduty', 4, 'rate_limited');
    expect(fakes.pagerduty.incidentReads()).toHaveLength(reads);
  });
});

describe('status polling after webhooks fall silent', () => {
  const prefix = uniquePrefix('pager-poll-resume');
  let fakes: Fakes;
  let t: TestApp;

  beforeAll(async () => {
    fakes = await startFakes();
    t = await startTestApp(config(prefix, fakes.slack, fakes.pagerduty, fakes.opsgenie, '1500ms'));
  });

  afterAll(async () => {
    await t?.close();
    await stopFakes(fakes);
    await dropPrefix(prefix);
  });

  it('resumes once no webhook has arrived for poll_resume_after, and then sees a pager-side ack', async () => {
    const { id, key } = await page(t, fakes, 'C0POLLG', 'payments slow');
    expect(await pagerDutyPing(t, key)).toBe(202);
    await ticks(prefix, 'pagerduty', 1, 'paused');
    fakes.pagerduty.changeInPagerDuty(key, 'acknowledged', 'Ana Oncall');

    await waitFor(() => shownText(card(fakes, 'C0POLLG')).includes('Acknowledged'), {
      what: 'the card acknowledged once polling resumed',
    });
    expect(t.logs()).toContain('no pagerduty webhook for a while: status polling resumed');
    const incident = await t.app.chat!.services.incidents.get(id);
    expect(incident.history.at(-1)).toMatchObject({ action: 'acknowledged', via: 'pagerduty' });
  });
});
