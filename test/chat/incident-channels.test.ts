import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBotFramework } from '../fakes/bot-framework.js';
import {
  type StoredMessage as DiscordMessage,
  FakeDiscordApi,
  type Fixture,
  InteractionSender,
  interactionFixture,
} from '../fakes/discord-api.js';
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
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/*
 * incidents.channels and people: through the real app, with loopback Slack, Discord and Teams.
 * An incident opened in a Discord channel also gets its live card in the Slack and Teams incident
 * channels; an escalation pings the on-call person there with each platform's own mention.
 */

const APPLICATION_ID = '290926444748734465';
const GUILD = '290926798626357999';
const RESPONDER_ROLE = '539082325061836999';
const DISCORD_RESPONDER = '53908232506183680';
const ALICE_DISCORD = '80351110224678912';
const ALICE_TEAMS = '29:1aliceBotFrameworkId-xyz';
const MEGAN = '7faf80ad-3a1c-4b4e-9c1e-3f3f7a1b2c01';
const INCIDENTS = 'C0INCIDENTS';

let slack: FakeSlack;
let teams: FakeBotFramework;
let discord: FakeDiscordApi;
let app: TestApp;
let discordChannel: string;
const sender = new InteractionSender();
const prefix = uniquePrefix('inc-channels');

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [INCIDENTS, 'C0OPSROOM'] });
  teams = await FakeBotFramework.start({ appId: APP_ID, appPassword: APP_PASSWORD });
  discord = await FakeDiscordApi.start();
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
    application_id: "${APPLICATION_ID}"
    public_key: "${sender.publicKeyHex}"
    bot_token: "${discord.botToken}"
incidents:
  channels:
    slack: ${INCIDENTS}
    teams: "${TEAMS_CHANNEL}"
people:
  alice:
    name: Alice Example
    slack: U0ALICE
    discord: "${ALICE_DISCORD}"
    teams: { id: "${ALICE_TEAMS}" }
escalations:
  default_policy: fast
  services:
    quiet: slow
  policies:
    fast:
      steps:
        # Long enough for the incident channels' copies to be there when it fires.
        - { wait: 2500ms, notify: ["oncall:primary", "bob"] }
    slow:
      steps:
        - { wait: 1h, notify: ["oncall:primary"] }
oncall:
  schedules:
    primary:
      rotation: { members: [alice], start: "2026-01-05T09:00:00Z", shift: 7d }
rbac:
  roles:
    responder: ["slack:${RESPONDER}", "discord:role:${RESPONDER_ROLE}", "teams:${MEGAN}"]
`,
    ),
  );
  // Teams only lets the bot post where it has been spoken to: a message there stores the reference.
  expect(await sendTeams(teamsMessage('<at>Threadline</at> ops help'))).toBe(200);
  await waitFor(() => teams.sent().length > 0, { what: 'the answer in Teams' });
});

afterAll(async () => {
  await app?.close();
  await Promise.all([slack?.close(), teams?.close(), discord?.close()]);
  await dropPrefix(prefix);
});

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

/** `/ops page <service> <summary>` from a Discord responder in our Discord channel. */
async function pageFromDiscord(service: string, summary: string): Promise<string> {
  const payload: Fixture = interactionFixture('command-page');
  payload.id = discord.snowflake();
  payload.token = `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`;
  payload.application_id = APPLICATION_ID;
  payload.guild_id = GUILD;
  payload.channel_id = discordChannel;
  payload.channel.id = discordChannel;
  payload.member.roles = [RESPONDER_ROLE];
  payload.member.user.id = DISCORD_RESPONDER;
  payload.data.options = [
    {
      name: 'page',
      type: 1,
      options: [
        { name: 'service', type: 3, value: service },
        { name: 'summary', type: 3, value: summary },
      ],
    },
  ];
  discord.interaction(payload.token, discordChannel);
  const { status } = await sender.send(`${app.app.url}/discord/interactions`, payload);
  expect(status).toBe(200);
  const card = await waitFor(
    // The summary's first words: the rest may be escaped.
    () =>
      discord
        .messages(discordChannel)
        .find((m) => JSON.stringify(m.embeds ?? []).includes(summary.split(' <')[0]!)),
    { what: 'the incident card in Discord' },
  );
  return /INC-\d+/.exec(JSON.stringify(card.embeds))![0];
}

function slackCard(id: string): SlackMessage | undefined {
  return slack.history(INCIDENTS).find((m) => !m.thread_ts && shownText(m).includes(`${id}:`));
}

function discordCard(id: string): DiscordMessage | undefined {
  return discord.messages(discordChannel).find((m) => JSON.stringify(m.embeds ?? []).includes(`${id}:`));
}

function discordButtons(message: DiscordMessage | undefined): string[] {
  return (message?.components ?? []).flatMap((row) => (row.components ?? []).map((b) => String(b.label)));
}

/** The Teams root activity of the incident's card in the incident channel. */
function teamsCard(id: string) {
  return teams.sent('send', TEAMS_CHANNEL).find((c) => JSON.stringify(c.activity).includes(`${id}:`));
}

describe('the incident channels', () => {
  it('shows an incident opened in Discord in the Slack incident channel, and an ack there updates both', async () => {
    const id = await pageFromDiscord('quiet', 'card sync from discord');

    const card = await waitFor(() => slackCard(id), { what: 'the card in the Slack incident channel' });
    expect(buttons(card).map((b) => b.action_id)).toEqual([
      'incident.ack',
      'incident.resolve',
      'incident.escalate',
    ]);
    expect(shownText(card)).toContain(`Opened by: discord:${DISCORD_RESPONDER}`);
    // Threaded under the card there: where it came from.
    const opened = await waitFor(() => slack.replies(INCIDENTS, card.ts)[0], {
      what: 'the opening line under the Slack card',
    });
    expect(shownText(opened)).toContain(
      `🚨 ${id} opened for quiet by discord:${DISCORD_RESPONDER} in discord`,
    );
    await waitFor(() => teamsCard(id), { what: 'the card in the Teams incident channel' });

    const response = await postSlack(
      app.app.url,
      interactionForm(
        blockActionsPayload({ actionId: 'incident.ack', value: id, messageTs: card.ts, channel: INCIDENTS }),
      ),
    );
    expect(response.status).toBe(200);

    await waitFor(() => shownText(slackCard(id)).includes('Acknowledged'), {
      what: 'the Slack card acknowledged',
    });
    const inDiscord = await waitFor(
      () => (JSON.stringify(discordCard(id)?.embeds).includes('Acknowledged') ? discordCard(id) : undefined),
      { what: 'the Discord card acknowledged' },
    );
    expect(JSON.stringify(inDiscord.embeds)).toContain(`slack:${RESPONDER}`);
    expect(discordButtons(inDiscord)).toEqual(['Resolve', 'Escalate']);
    await waitFor(
      () =>
        teams
          .sent('update')
          .some(
            (c) => c.activityId === teamsCard(id)?.id && JSON.stringify(c.activity).includes('Acknowledged'),
          ),
      { what: 'the Teams card acknowledged' },
    );
    // One card per channel, however many times it was updated.
    expect(
      slack.history(INCIDENTS).filter((m) => !m.thread_ts && shownText(m).includes(`${id}:`)),
    ).toHaveLength(1);
  });

  it('gives an incident opened in the incident channel itself no second card there', async () => {
    const response = await postSlack(
      app.app.url,
      slashForm('page quiet "opened in the incident channel"', {
        channel_id: INCIDENTS,
        response_url: slack.responseUrl(),
      }),
    );
    expect(response.status).toBe(200);
    const card = await waitFor(
      () =>
        slack
          .history(INCIDENTS)
          .find((m) => !m.thread_ts && shownText(m).includes('opened in the incident channel')),
      { what: 'the card in the Slack incident channel' },
    );
    const id = /INC-\d+/.exec(shownText(card))![0];
    await waitFor(() => teamsCard(id), { what: 'the card in the Teams incident channel' });
    const jobs = app.app.queues.named('incident-cards');
    expect(await jobs.getJob(`channel.${id}.slack`)).toBeUndefined();
    expect(await jobs.getJob(`channel.${id}.teams`)).toBeDefined();
    expect(
      slack.history(INCIDENTS).filter((m) => !m.thread_ts && shownText(m).includes(`${id}:`)),
    ).toHaveLength(1);
    const answer = await waitFor(
      () => slack.replies(INCIDENTS, card.ts).find((m) => shownText(m).includes(`🚨 ${id} opened`)),
      { what: 'the answer under the card' },
    );
    expect(shownText(answer)).toContain(`The card is also in teams ${TEAMS_CHANNEL}.`);
  });

  it('escalates with real mentions: the on-call person pinged on Slack, Discord and Teams, the unknown in plain text', async () => {
    const id = await pageFromDiscord('checkout', 'mentions checkout <@U0STRANGER> @everyone <@&1234>');

    const card = await waitFor(() => slackCard(id), { what: 'the card in the Slack incident channel' });
    await waitFor(() => teamsCard(id), { what: 'the card in the Teams incident channel' });
    // The reply goes to the copies there are when the step fires; these were there before it.
    expect(slack.replies(INCIDENTS, card.ts).filter((m) => shownText(m).includes('⏫'))).toEqual([]);
    const slackReply = await waitFor(
      () => slack.replies(INCIDENTS, card.ts).find((m) => shownText(m).includes('⏫')),
      { what: 'the escalation in the Slack thread' },
    );
    expect(shownText(slackReply)).toContain(`⏫ ${id} escalated to alice (oncall:primary), bob`);
    const mrkdwn = JSON.stringify(slackReply.blocks);
    expect(mrkdwn).toContain('<@U0ALICE>');
    expect(mrkdwn).not.toContain('<@U0STRANGER>');
    expect(slackReply.text).toContain('<@U0ALICE>');

    const root = discordCard(id)!;
    const discordReply = await waitFor(
      () => discord.messages(root.id).find((m) => JSON.stringify(m.embeds ?? []).includes('⏫')),
      { what: 'the escalation in the Discord thread' },
    );
    expect(discordReply.content).toBe(`<@${ALICE_DISCORD}>`);
    expect(discordReply.allowed_mentions).toEqual({ parse: [], users: [ALICE_DISCORD] });
    // The incident's own card pings nobody, whatever its title says.
    expect(root.allowed_mentions).toEqual({ parse: [] });
    expect(root.content ?? '').toBe('');

    const teamsReply = await waitFor(
      () =>
        teams
          .sent('send')
          .find(
            (c) =>
              c.conversationId.startsWith(`${TEAMS_CHANNEL};messageid=`) &&
              JSON.stringify(c.activity).includes('⏫'),
          ),
      { what: 'the escalation in the Teams thread' },
    );
    expect(teamsReply.activity).toMatchObject({
      text: '<at>Alice Example</at>',
      textFormat: 'xml',
      entities: [
        {
          type: 'mention',
          text: '<at>Alice Example</at>',
          mentioned: { id: ALICE_TEAMS, name: 'Alice Example' },
        },
      ],
    });
  });
});
