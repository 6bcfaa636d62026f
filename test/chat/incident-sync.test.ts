import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetters } from '../../src/queue/dead-letters.js';
import { FakeBotFramework } from '../fakes/bot-framework.js';
import {
  type StoredMessage as DiscordMessage,
  FakeDiscordApi,
  InteractionSender,
} from '../fakes/discord-api.js';
import { FakeOpsgenie, API_KEY as OPSGENIE_KEY } from '../fakes/opsgenie.js';
import { FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { FakeSlack, type StoredMessage as SlackMessage } from '../fakes/slack-api.js';
import {
  blockActionsPayload,
  buttons,
  interactionForm,
  postSlack,
  RESPONDER,
  SIGNING_SECRET,
  shownText,
  slashForm,
} from '../platforms/slack/support.js';
import {
  type Activity,
  APP_ID,
  APP_PASSWORD,
  activityFixture,
  CHANNEL as TEAMS_CHANNEL,
} from '../platforms/teams/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { deliveryHandled } from '../support/outcomes.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const PD_SECRET = 'pd-webhook-secret-for-incident-sync';
const MEGAN = '7faf80ad-3a1c-4b4e-9c1e-3f3f7a1b2c01';
const SLACK_CHANNELS = ['C0SYNCA', 'C0SYNCB', 'C0SYNCC', 'C0SYNCD', 'C0SYNCE'];

let slack: FakeSlack;
let teams: FakeBotFramework;
let discord: FakeDiscordApi;
let pagerduty: FakePagerDuty;
let opsgenie: FakeOpsgenie;
let app: TestApp;
let discordChannel: string;
const prefix = uniquePrefix('inc-sync');

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: SLACK_CHANNELS });
  teams = await FakeBotFramework.start({ appId: APP_ID, appPassword: APP_PASSWORD });
  discord = await FakeDiscordApi.start();
  pagerduty = await FakePagerDuty.start();
  opsgenie = await FakeOpsgenie.start();
  discordChannel = discord.addChannel();
  app = await startTestApp(
    testConfig(
      prefix,
      `
platforms:
  slack:
    enabled: true
    api_url: "${slack.apiUrl}"
    bot_token: "${slack.token}"
    signing_secret: "${SIGNING_SECRET}"
  teams:
    enabled: true
    app_id: "${APP_ID}"
    app_password: "${APP_PASSWORD}"
    openid_metadata_url: "${teams.openIdMetadataUrl}"
    login_url: "${teams.loginUrl}"
  discord:
    enabled: true
    api_url: "${discord.apiUrl}"
    application_id: "290926444748734465"
    public_key: "${new InteractionSender().publicKeyHex}"
    bot_token: "${discord.botToken}"
integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    # Listed on purpose: the incident workflow pages itself, and alert_on must not page a second time.
    alert_on: [incident_triggered, incident_acknowledged, incident_resolved]
    webhook: { secret: "${PD_SECRET}" }
  opsgenie:
    enabled: true
    api_key: ${OPSGENIE_KEY}
    api_url: "${opsgenie.baseUrl}"
  discord:
    enabled: true
    channel_id: "${discordChannel}"
    notify_on: [incident_triggered, incident_acknowledged, incident_resolved]
rbac:
  roles:
    responder: ["slack:${RESPONDER}", "teams:${MEGAN}"]
`,
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await Promise.all([
    slack?.close(),
    teams?.close(),
    discord?.close(),
    pagerduty?.close(),
    opsgenie?.close(),
  ]);
  await dropPrefix(prefix);
});

/** `/ops page` in a Slack channel; resolves with the incident card (the thread parent). */
async function page(channel: string, summary: string): Promise<{ id: string; card: SlackMessage }> {
  const response = await postSlack(
    app.app.url,
    slashForm(`page payments "${summary}"`, { channel_id: channel, response_url: slack.responseUrl() }),
  );
  expect(response.status).toBe(200);
  const card = await waitFor(() => slack.history(channel).find((m) => !m.thread_ts), {
    what: `the incident card in ${channel}`,
  });
  const id = /INC-\d+/.exec(shownText(card))![0];
  return { id, card };
}

/** A message in the Teams channel mentioning the bot, from a responder. */
function teamsMessage(text: string): Activity {
  const activity = activityFixture('message-channel-mention');
  activity.id = String(Date.now() + Math.floor(Math.random() * 1_000_000));
  activity.serviceUrl = teams.serviceUrl;
  activity.conversation.id = `${TEAMS_CHANNEL};messageid=${activity.id}`;
  activity.text = text;
  activity.from = { ...activity.from, aadObjectId: MEGAN };
  return activity;
}

async function sendTeams(activity: Activity): Promise<number> {
  const response = await request(`${app.app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: teams.authorization(activity) },
    body: JSON.stringify(activity),
  });
  await response.body.text();
  return response.statusCode;
}

let webhooks = 0;
/** A signed PagerDuty v3 webhook about one of our incidents. */
async function pagerDutyWebhook(
  eventType: string,
  id: string,
  agent: string,
): Promise<{ status: number; eventId: string }> {
  const eventId = `01SYNC${process.pid}X${++webhooks}`;
  const body = JSON.stringify({
    event: {
      id: eventId,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: { id: 'PAGENT1', summary: agent, type: 'user_reference' },
      data: {
        id: 'Q2SYNC',
        type: 'incident',
        number: 77,
        status: eventType.split('.')[1],
        incident_key: `threadline:incident:${id}`,
        title: 'from PagerDuty',
      },
    },
  });
  const response = await request(`${app.app.url}/hooks/pagerduty`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-pagerduty-signature': `v1=${createHmac('sha256', PD_SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  await response.body.text();
  return { status: response.statusCode, eventId: `pagerduty.${eventId}` };
}

/** Events API calls PagerDuty received for an incident, by action. */
function pdCalls(id: string, action: 'trigger' | 'acknowledge' | 'resolve'): number {
  return pagerduty
    .events()
    .filter((e) => e.dedup_key === `threadline:incident:${id}` && e.event_action === action).length;
}

/** Waits until a destination has handled one event's delivery (see `deliveryHandled`). */
async function deliveryHandledBy(destination: string, eventId: string): Promise<void> {
  const queue = app.app.queues.delivery(destination);
  await waitFor(() => deliveryHandled(queue, eventId, `${eventId}.${destination}`), {
    what: `the ${destination} delivery of ${eventId}`,
  });
}

function buttonLabels(message: SlackMessage | undefined): string[] {
  return buttons(message).map((b) => String(b.text?.text));
}

function discordCard(id: string): DiscordMessage | undefined {
  return discord.messages(discordChannel).find((m) => JSON.stringify(m.embeds ?? []).includes(`${id}:`));
}

function discordButtons(message: DiscordMessage | undefined): string[] {
  return (message?.components ?? []).flatMap((row) => (row.components ?? []).map((b) => String(b.label)));
}

describe('incident ack and resolve stay in step between chat and the pager', () => {
  it('page, then ack in Teams: PagerDuty gets one trigger and one acknowledge, and the Slack card shows the ack', async () => {
    const { id } = await page('C0SYNCA', 'checkout 500s');
    await waitFor(() => pdCalls(id, 'trigger') === 1, { what: 'the PagerDuty trigger' });

    expect(await sendTeams(teamsMessage(`<at>Threadline</at> ops ack ${id}`))).toBe(200);

    await waitFor(() => pdCalls(id, 'acknowledge') === 1, { what: 'the PagerDuty acknowledge' });
    const slackCard = await waitFor(
      () => {
        const card = slack.history('C0SYNCA').find((m) => !m.thread_ts);
        return shownText(card).includes('Acknowledged') ? card : undefined;
      },
      { what: 'the Slack card showing the acknowledgement' },
    );
    expect(shownText(slackCard)).toContain(`teams:${MEGAN}`);
    expect(buttonLabels(slackCard)).toEqual(['Resolve', 'Escalate']);
    // The incident's card is in Teams now too, in the same state.
    const teamsCard = await waitFor(
      () => teams.sent('send', TEAMS_CHANNEL).find((c) => JSON.stringify(c.activity).includes(`${id}:`)),
      { what: 'the incident card in Teams' },
    );
    expect(JSON.stringify(teamsCard.activity)).toContain('Acknowledged');

    // alert_on lists both events, yet the connector leaves them to the incident workflow.
    await deliveryHandledBy('pagerduty', `${id}.triggered`);
    await deliveryHandledBy('pagerduty', `${id}.acknowledged`);
    expect(pdCalls(id, 'trigger')).toBe(1);
    expect(pdCalls(id, 'acknowledge')).toBe(1);
    expect(await app.app.chat!.paging.sent(id, 'pagerduty')).toMatchObject({
      trigger: expect.any(String),
      acknowledge: expect.any(String),
    });
  });

  it("recognises PagerDuty's webhook about our own acknowledge and changes nothing", async () => {
    const { id } = await page('C0SYNCB', 'ledger lag');
    const press = interactionForm(
      blockActionsPayload({
        actionId: 'incident.ack',
        value: id,
        messageTs: slack.history('C0SYNCB').find((m) => !m.thread_ts)!.ts,
        channel: 'C0SYNCB',
      }),
    );
    expect((await postSlack(app.app.url, press)).status).toBe(200);
    await waitFor(() => pdCalls(id, 'acknowledge') === 1, { what: 'the PagerDuty acknowledge' });
    const before = await app.app.chat!.services.incidents.get(id);

    const echo = await pagerDutyWebhook('incident.acknowledged', id, 'Threadline (integration)');
    expect(echo.status).toBe(202);
    await deliveryHandledBy('pagerduty', echo.eventId);
    await waitFor(() => app.logs().includes(`pagerduty reported our own acknowledge`), {
      what: 'the echo recognised',
    });

    expect(await app.app.chat!.services.incidents.get(id)).toEqual(before);
    expect(pdCalls(id, 'acknowledge')).toBe(1);
    expect(await app.app.queues.named('incident-cards').getJob(`cards.${echo.eventId}`)).toBeUndefined();
  });

  it('a resolve in PagerDuty updates every copy of the card and its threads, and is not sent back', async () => {
    const { id } = await page('C0SYNCC', 'search down');
    await waitFor(() => pdCalls(id, 'trigger') === 1, { what: 'the PagerDuty trigger' });
    await waitFor(() => discordButtons(discordCard(id)).length > 0, { what: 'the Discord copy' });

    const heard: string[] = [];
    const stop = app.app.chat!.services.incidents.onChange((change) => {
      if (change.incident.id === id) heard.push(`${change.action}:${change.incident.status}`);
    });
    const resolved = await pagerDutyWebhook('incident.resolved', id, 'Sam Pager');
    expect(resolved.status).toBe(202);

    const slackCard = await waitFor(
      () => {
        const card = slack.history('C0SYNCC').find((m) => !m.thread_ts);
        return shownText(card).includes('Resolved') ? card : undefined;
      },
      { what: 'the Slack card resolved' },
    );
    expect(shownText(slackCard)).toContain('Sam Pager');
    expect(buttonLabels(slackCard)).toEqual([]);
    await waitFor(() => JSON.stringify(discordCard(id)?.embeds).includes('Resolved'), {
      what: 'the Discord copy resolved',
    });
    await waitFor(
      () =>
        slack
          .replies('C0SYNCC', slackCard.ts)
          .some((m) => shownText(m).includes(`✅ ${id} resolved by Sam Pager in PagerDuty`)),
      { what: 'the line in the Slack thread' },
    );
    const incident = await app.app.chat!.services.incidents.get(id);
    expect(incident.status).toBe('resolved');
    expect(incident.history.at(-1)).toMatchObject({ action: 'resolved', by: 'Sam Pager', via: 'pagerduty' });

    // Escalation timers listen here: the change is told once, whoever made it.
    stop();
    expect(heard).toEqual(['resolved:resolved']);

    await deliveryHandledBy('pagerduty', resolved.eventId);
    expect(pdCalls(id, 'resolve')).toBe(0);
    expect(await app.app.chat!.paging.sent(id, 'pagerduty')).toMatchObject({ resolve: 'reported' });
  });

  it('passes an ack made in PagerDuty on to Opsgenie, and never back to PagerDuty', async () => {
    const { id } = await page('C0SYNCE', 'disk full');
    const alias = `threadline:incident:${id}`;
    await waitFor(() => pdCalls(id, 'trigger') === 1 && opsgenie.alerts.get(alias), {
      what: 'the incident paged at both pagers',
    });

    const acked = await pagerDutyWebhook('incident.acknowledged', id, 'Ana Oncall');
    expect(acked.status).toBe(202);

    await waitFor(() => opsgenie.alerts.get(alias)?.acknowledged, {
      what: 'the Opsgenie alert acknowledged',
    });
    await waitFor(
      () => shownText(slack.history('C0SYNCE').find((m) => !m.thread_ts)).includes('Ana Oncall'),
      { what: 'the Slack card showing who acknowledged in PagerDuty' },
    );
    await deliveryHandledBy('pagerduty', acked.eventId);
    expect(pdCalls(id, 'acknowledge')).toBe(0);
    expect(await app.app.chat!.paging.sent(id, 'pagerduty')).toMatchObject({ acknowledge: 'reported' });
    expect(await app.app.chat!.paging.sent(id, 'opsgenie')).toMatchObject({
      acknowledge: expect.any(String),
    });
  });

  it('keeps the interactive card on every copy: an ack pressed in Slack leaves buttons in Slack and in the Discord bot channel', async () => {
    const { id, card } = await page('C0SYNCD', 'cache misses');
    const discordCopy = await waitFor(() => discordCard(id), { what: 'the Discord copy of the card' });
    expect(discordButtons(discordCopy)).toEqual(['Acknowledge', 'Resolve', 'Escalate']);

    const press = interactionForm(
      blockActionsPayload({ actionId: 'incident.ack', value: id, messageTs: card.ts, channel: 'C0SYNCD' }),
    );
    expect((await postSlack(app.app.url, press)).status).toBe(200);
    // The incident_acknowledged delivery to the Discord bot channel is the one that used to
    // replace every copy with the button-less summary: wait for it.
    const eventId = `${id}.acknowledged`;
    await deliveryHandledBy('discord', eventId);

    const slackCard = slack.message('C0SYNCD', card.ts);
    expect(shownText(slackCard)).toContain('Acknowledged');
    expect(shownText(slackCard)).not.toContain('📄');
    expect(buttonLabels(slackCard)).toEqual(['Resolve', 'Escalate']);
    const discordNow = discordCard(id);
    expect(JSON.stringify(discordNow?.embeds)).toContain('Acknowledged');
    expect(discordButtons(discordNow)).toEqual(['Resolve', 'Escalate']);
  });
});

describe('the pager calls of one incident', () => {
  it('sends the trigger before an acknowledge asked for first, each once however often both are asked', async () => {
    const paging = app.app.chat!.paging;
    const { incident } = await app.app.chat!.services.incidents.create(
      { title: 'asked out of order', severity: 'warning', by: 'test' },
      `order-${prefix}`,
    );
    await app.app.chat!.services.incidents.acknowledge(incident.id, 'test');
    await Promise.all([
      paging.request(incident.id, 'acknowledge'),
      paging.request(incident.id, 'trigger'),
      paging.request(incident.id, 'acknowledge'),
    ]);
    await waitFor(() => pdCalls(incident.id, 'acknowledge') === 1, { what: 'the acknowledge' });
    const actions = () =>
      pagerduty
        .events()
        .filter((e) => e.dedup_key === `threadline:incident:${incident.id}`)
        .map((e) => e.event_action);
    expect(actions()).toEqual(['trigger', 'acknowledge']);
    // Asked again after both were sent (a retried command job): nothing more reaches PagerDuty.
    await paging.request(incident.id, 'acknowledge');
    const job = await waitFor(() =>
      app.app.queues.named('pager-calls.pagerduty').getJob(`pagerduty.${incident.id}.trigger`),
    );
    await waitFor(async () => (await job.getState()) === 'completed', { what: 'the trigger job done' });
    expect(actions()).toEqual(['trigger', 'acknowledge']);
  });

  it('retries a call PagerDuty failed, and the acknowledge is accepted once', async () => {
    const paging = app.app.chat!.paging;
    const { incident } = await app.app.chat!.services.incidents.create(
      { title: 'pager hiccup', severity: 'error', by: 'test' },
      `retry-${prefix}`,
    );
    await paging.request(incident.id, 'trigger');
    await waitFor(() => pdCalls(incident.id, 'trigger') === 1, { what: 'the trigger' });
    pagerduty.reply({ status: 503, body: { status: 'unavailable' } });
    await paging.request(incident.id, 'acknowledge');
    await waitFor(() => pdCalls(incident.id, 'acknowledge') === 2, { what: 'the acknowledge retried' });
    expect(pagerduty.alerts.get(`threadline:incident:${incident.id}`)?.status).toBe('acknowledged');
    expect(
      pagerduty.alerts.get(`threadline:incident:${incident.id}`)?.events.map((e) => e.event_action),
    ).toEqual(['trigger', 'acknowledge']);
  });

  it('makes a call PagerDuty refuses a dead letter that a replay sends once', async () => {
    const paging = app.app.chat!.paging;
    const { incident } = await app.app.chat!.services.incidents.create(
      { title: 'refused ack', severity: 'info', by: 'test' },
      `dead-${prefix}`,
    );
    await paging.request(incident.id, 'trigger');
    await waitFor(() => pdCalls(incident.id, 'trigger') === 1, { what: 'the trigger' });
    pagerduty.reply({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid' } });
    await paging.request(incident.id, 'acknowledge');

    const letters = new DeadLetters(app.app.queues);
    const letter = await waitFor(
      async () => (await letters.list({ integration: 'pager-calls' })).find((l) => l.eventId === incident.id),
      { what: 'the dead letter' },
    );
    expect(letter).toMatchObject({ integration: 'pager-calls.pagerduty', event: 'pager acknowledge' });
    expect(pagerduty.alerts.get(`threadline:incident:${incident.id}`)?.status).toBe('triggered');

    await letters.replay(letter.id);
    await waitFor(
      () => pagerduty.alerts.get(`threadline:incident:${incident.id}`)?.status === 'acknowledged',
      {
        what: 'the replayed acknowledge accepted',
      },
    );
    expect(await paging.sent(incident.id, 'pagerduty')).toMatchObject({ acknowledge: expect.any(String) });
  });
});
