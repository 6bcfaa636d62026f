import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeDiscordApi,
  type Fixture,
  type InteractionAnswer,
  InteractionSender,
  interactionFixture,
  type StoredMessage,
} from '../../fakes/discord-api.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import { sleep, waitFor } from '../../support/wait.js';

const APPLICATION_ID = '290926444748734465';
const GUILD = '290926798626357999';
const RESPONDER_ROLE = '539082325061836999';
const OTHER_ROLE = '539082325061836111';
const RESPONDER = '53908232506183680';
const BYSTANDER = '53908232506183999';

let fake: FakeDiscordApi;
let sender: InteractionSender;
let app: TestApp;
let prefix: string;
let channel: string;
let endpoint: string;
const answers: InteractionAnswer[] = [];

beforeAll(async () => {
  fake = await FakeDiscordApi.start();
  sender = new InteractionSender();
  prefix = uniquePrefix('discord');
  channel = fake.addChannel();
  app = await startTestApp(
    testConfig(
      prefix,
      `
platforms:
  discord:
    enabled: true
    api_url: "${fake.apiUrl}"
    application_id: "${APPLICATION_ID}"
    public_key: "${sender.publicKeyHex}"
    bot_token: "${fake.botToken}"
rbac:
  roles:
    responder: ["discord:role:${RESPONDER_ROLE}"]
`,
    ),
  );
  endpoint = `${app.app.url}/discord/interactions`;
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await dropPrefix(prefix);
});

function newId(): string {
  return fake.snowflake();
}

function newToken(): string {
  return `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`;
}

/** A documented slash-command payload for `/ops <sub> …` in our channel by a member with `roles`. */
function slash(options: Fixture[], roles = [RESPONDER_ROLE], where = channel): Fixture {
  const payload = interactionFixture('command-page');
  payload.id = newId();
  payload.token = newToken();
  payload.application_id = APPLICATION_ID;
  payload.guild_id = GUILD;
  payload.channel_id = where;
  payload.channel.id = where;
  payload.member.roles = roles;
  payload.member.user.id = roles.includes(RESPONDER_ROLE) ? RESPONDER : BYSTANDER;
  payload.data.options = options;
  return payload;
}

function page(service: string, summary: string, where = channel): Fixture {
  return slash(
    [
      {
        name: 'page',
        type: 1,
        options: [
          { name: 'service', type: 3, value: service },
          { name: 'summary', type: 3, value: summary },
          { name: 'severity', type: 3, value: 'critical' },
        ],
      },
    ],
    [RESPONDER_ROLE],
    where,
  );
}

/** A documented button-press payload for a button on `message`. */
function press(customId: string, message: Fixture, roles = [RESPONDER_ROLE]): Fixture {
  const payload = interactionFixture('button-press');
  payload.id = newId();
  payload.token = newToken();
  payload.application_id = APPLICATION_ID;
  payload.guild_id = GUILD;
  payload.channel_id = channel;
  payload.channel.id = channel;
  payload.member.roles = roles;
  payload.member.user.id = roles.includes(RESPONDER_ROLE) ? RESPONDER : BYSTANDER;
  payload.data.custom_id = customId;
  payload.message = { ...payload.message, ...message, channel_id: channel };
  return payload;
}

/** Sends an interaction as Discord would; Discord then knows the channel its token's follow-ups land in. */
async function send(payload: Fixture): Promise<{ status: number; json: InteractionAnswer }> {
  if (typeof payload.token === 'string' && typeof payload.channel_id === 'string')
    fake.interaction(payload.token, payload.channel_id);
  const answer = await sender.send(endpoint, payload);
  answers.push(answer.json);
  return answer;
}

async function jobCount(): Promise<number> {
  const counts = await app.app
    .chat!.actionsQueue('discord')
    .getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** Pages an incident and returns its id and the parent card the worker posted. */
async function openIncident(
  service: string,
  summary: string,
): Promise<{ id: string; parent: StoredMessage }> {
  const before = fake.messages(channel).length;
  const { json } = await send(page(service, summary));
  expect(json.type).toBe(4);
  const parent = await waitFor(() => fake.messages(channel)[before], { what: 'the incident card' });
  const id = /INC-\d+/.exec(parent.embeds?.[0]?.title ?? '')![0];
  await waitFor(() => fake.messages(parent.id).length > 0, { what: 'the threaded result' });
  return { id, parent };
}

function buttons(
  message: StoredMessage | Fixture,
): Array<{ label?: string; style?: number; custom_id?: string }> {
  return (message.components ?? []).flatMap((row: Fixture) => row.components ?? []);
}

describe('Discord interactions endpoint', () => {
  it('answers PING with PONG', async () => {
    const ping = interactionFixture('ping');
    const { status, json } = await send(ping);
    expect(status).toBe(200);
    expect(json).toEqual({ type: 1 });
  });

  // A body changed after signing is the shared contract's tampered request (platform.test.ts).
  it('refuses a request signed with another key with 401, and enqueues nothing', async () => {
    const before = { jobs: await jobCount(), requests: fake.requests.length };
    const stranger = new InteractionSender();
    const payload = page('payments', 'forged');
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const { status, json } = await sender.send(endpoint, payload, {
      timestamp,
      signature: stranger.signature(body, timestamp),
    });
    expect(status).toBe(401);
    expect(json.error?.code).toBe('bad_signature');
    await sleep(200);
    expect(await jobCount()).toBe(before.jobs);
    expect(fake.requests.length).toBe(before.requests);
  });

  it('refuses a request without the signature headers with 401', async () => {
    const { status, json } = await sender.send(endpoint, interactionFixture('ping'), { omitSignature: true });
    expect(status).toBe(401);
    expect(json.error?.message).toMatch(/X-Signature-Ed25519/);
  });

  it('refuses a correctly signed request whose timestamp is older than five minutes', async () => {
    const stale = String(Math.floor(Date.now() / 1000) - 6 * 60);
    const { status, json } = await sender.send(endpoint, page('payments', 'replayed'), { timestamp: stale });
    expect(status).toBe(401);
    expect(json.error?.message).toMatch(/stale/);
  });

  it('answers /ops help at once, as an ephemeral message (type 4, flags 64)', async () => {
    const { status, json } = await send(slash([{ name: 'help', type: 1, options: [] }]));
    expect(status).toBe(200);
    expect(json.type).toBe(4);
    expect(json.data?.flags).toBe(64);
    expect(json.data?.embeds?.[0]?.title).toBe('/ops commands');
    expect(json.data?.embeds?.[0]?.description).toContain('/ops page');
    expect(json.data?.allowed_mentions).toEqual({ parse: [] });
  });

  it('/ops page acknowledges at once, then the worker posts the incident card with buttons and threads the result', async () => {
    const before = fake.messages(channel).length;
    const { json } = await send(page('payments', 'checkout 500s'));
    expect(json.type).toBe(4);
    expect(json.data?.flags).toBe(64);
    expect(json.data?.embeds?.[0]?.title).toBe('⏳ Paging payments…');

    const parent = await waitFor(() => fake.messages(channel)[before], { what: 'the incident card' });
    const embed = parent.embeds![0]!;
    expect(embed.title).toMatch(/^🚨 INC-\d+: checkout 500s$/);
    const id = /INC-\d+/.exec(embed.title!)![0];
    expect(embed.fields).toEqual(
      expect.arrayContaining([
        { name: 'Status', value: '🚨 Triggered', inline: true },
        { name: 'Service', value: 'payments', inline: true },
      ]),
    );
    expect(buttons(parent)).toEqual([
      { type: 2, style: 1, label: 'Acknowledge', custom_id: `incident.ack:${id}` },
      { type: 2, style: 2, label: 'Resolve', custom_id: `?incident.resolve:${id}` },
      { type: 2, style: 4, label: 'Escalate', custom_id: `incident.escalate:${id}` },
    ]);

    // The result goes into a Discord thread started from the card (thread id = card id).
    const reply = await waitFor(() => fake.messages(parent.id)[0], { what: 'the threaded result' });
    expect(fake.threads.get(parent.id)).toBe(channel);
    expect(reply.embeds?.[0]?.title).toBe(`🚨 ${id} opened for payments`);
    const threadCreate = fake.find(
      'POST',
      new RegExp(`^/channels/${channel}/messages/${parent.id}/threads$`),
    );
    expect(threadCreate).toHaveLength(1);
    expect(threadCreate[0]!.headers.authorization).toBe(`Bot ${fake.botToken}`);
  });

  it("/ops page posts the card through the interaction's own webhook, with no bot token; the bot starts the thread and replies in it", async () => {
    const where = fake.addChannel();
    const payload = page('ledger', 'double charges', where);
    await send(payload);
    const parent = await waitFor(() => fake.messages(where)[0], { what: 'the incident card' });
    const reply = await waitFor(() => fake.messages(parent.id)[0], { what: 'the threaded result' });

    const [card, ...others] = fake.find('POST', new RegExp(`^/webhooks/${APPLICATION_ID}/${payload.token}$`));
    expect(others).toEqual([]);
    expect(card!.headers.authorization).toBeUndefined();
    expect((card!.json as Fixture).flags ?? 0).toBe(0);
    expect(parent.webhook_id).toBe(APPLICATION_ID);
    expect(parent.embeds?.[0]?.title).toMatch(/^🚨 INC-\d+: double charges$/);
    expect(fake.find('POST', new RegExp(`^/channels/${where}/messages$`))).toEqual([]);

    // A follow-up cannot be aimed at a thread: the thread and the reply in it are the bot's.
    expect(reply.embeds?.[0]?.title).toMatch(/^🚨 INC-\d+ opened for ledger$/);
    for (const path of [
      `^/channels/${where}/messages/${parent.id}/threads$`,
      `^/channels/${parent.id}/messages$`,
    ]) {
      const [request] = fake.find('POST', new RegExp(path));
      expect(request?.headers.authorization, path).toBe(`Bot ${fake.botToken}`);
    }
  });

  it('/ops page whose token Discord no longer takes still gets its card and thread, through the bot', async () => {
    const where = fake.addChannel();
    const payload = page('ledger', 'token gone', where);
    fake.expireToken(payload.token);
    await send(payload);
    const parent = await waitFor(() => fake.messages(where)[0], { what: 'the incident card' });
    await waitFor(() => fake.messages(parent.id)[0], { what: 'the threaded result' });
    expect(parent.webhook_id).toBeUndefined();
    const [card] = fake.find('POST', new RegExp(`^/channels/${where}/messages$`));
    expect(card?.headers.authorization).toBe(`Bot ${fake.botToken}`);
  });

  it('a command typed inside the incident thread is answered in that thread through its own follow-up', async () => {
    const { id, parent } = await openIncident('cdn', 'stale assets');
    const payload = slash([{ name: 'ack', type: 1, options: [{ name: 'id', type: 3, value: id }] }]);
    payload.channel_id = parent.id;
    payload.channel = { ...payload.channel, id: parent.id, type: 11, parent_id: channel };
    await send(payload);
    const title = `👀 ${id} acknowledged by discord:${RESPONDER}`;
    await waitFor(() => fake.messages(parent.id).find((m) => m.embeds?.[0]?.title === title), {
      what: 'the acknowledgement in the thread',
    });
    const [answer] = fake.find('POST', new RegExp(`^/webhooks/${APPLICATION_ID}/${payload.token}$`));
    expect((answer?.json as Fixture | undefined)?.embeds?.[0]?.title).toBe(title);
    expect(
      fake.find('POST', new RegExp(`^/channels/${channel}/messages/${parent.id}/threads$`)),
    ).toHaveLength(1);
    await waitFor(() => (parent.edits > 0 ? parent : undefined), { what: 'the card update' });
  });

  it('a responder pressing Acknowledge updates the card in place, showing who acknowledged', async () => {
    const { id, parent } = await openIncident('search', 'slow queries');
    const { json } = await send(
      press(`incident.ack:${id}`, { id: parent.id, components: parent.components }),
    );
    expect(json).toEqual({ type: 6 });

    const updated = await waitFor(() => (parent.edits > 0 ? parent : undefined), { what: 'the card update' });
    const fields = updated.embeds![0]!.fields!;
    expect(fields).toContainEqual({ name: 'Status', value: '👀 Acknowledged', inline: true });
    const ackedBy = fields.find((f) => f.name === 'Acknowledged by');
    expect(ackedBy?.value).toContain(`discord:${RESPONDER}`);
    expect(buttons(updated).map((b) => b.label)).toEqual(['Resolve', 'Escalate']);
    expect(fake.find('PATCH', new RegExp(`^/channels/${channel}/messages/${parent.id}$`))).toHaveLength(1);
    await waitFor(
      () =>
        fake
          .messages(parent.id)
          .some((m) => m.embeds?.[0]?.title === `👀 ${id} acknowledged by discord:${RESPONDER}`),
      { what: 'the acknowledgement in the thread' },
    );
  });

  it('answers a replayed interaction id without acting a second time', async () => {
    const { id, parent } = await openIncident('billing', 'invoices stuck');
    const pressed = press(`incident.escalate:${id}`, { id: parent.id, components: parent.components });
    expect((await send(pressed)).json).toEqual({ type: 6 });
    await waitFor(() => parent.edits > 0, { what: 'the escalation' });
    const jobs = await jobCount();
    const patches = fake.find('PATCH', new RegExp(`/messages/${parent.id}$`)).length;

    const { json } = await send(pressed);
    expect(json.type).toBe(4);
    expect(json.data?.flags).toBe(64);
    expect(json.data?.embeds?.[0]?.title).toBe('⏳ Already received.');
    await sleep(500);
    expect(await jobCount()).toBe(jobs);
    expect(fake.find('PATCH', new RegExp(`/messages/${parent.id}$`))).toHaveLength(patches);
  });

  it('tells a member without the responder role, privately, and changes nothing', async () => {
    const { id, parent } = await openIncident('auth', 'login loops');
    const requests = fake.requests.length;
    const { json } = await send(
      press(`incident.ack:${id}`, { id: parent.id, components: parent.components }, [OTHER_ROLE]),
    );
    expect(json.type).toBe(4);
    expect(json.data?.flags).toBe(64);
    expect(json.data?.embeds?.[0]?.description).toMatch(/not allowed to run \/ops ack/);
    await sleep(300);
    expect(parent.edits).toBe(0);
    expect(fake.requests.length).toBe(requests);
    expect((await app.app.chat!.services.incidents.get(id)).status).toBe('triggered');
  });

  it('Resolve asks for confirmation first, and resolves the incident once confirmed', async () => {
    const { id, parent } = await openIncident('queue', 'backlog growing');
    const asked = await send(
      press(`?incident.resolve:${id}`, { id: parent.id, components: parent.components }),
    );
    expect(asked.json.type).toBe(4);
    expect(asked.json.data?.flags).toBe(64);
    expect(asked.json.data?.embeds?.[0]?.title).toBe(`Resolve ${id}?`);
    const [confirm, cancel] = buttons(asked.json.data as Fixture);
    expect(confirm).toMatchObject({ label: 'Resolve', custom_id: `!${parent.id}:incident.resolve:${id}` });
    expect(cancel).toMatchObject({ label: 'Cancel', custom_id: '~cancel' });
    expect(parent.edits).toBe(0);

    // The confirmation button sits on the ephemeral question, not on the card.
    const question = { id: newId(), flags: 64, components: asked.json.data!.components };
    const confirmed = await send(press(confirm!.custom_id!, question));
    expect(confirmed.json.type).toBe(7);
    expect(confirmed.json.data?.components).toEqual([]);
    expect(confirmed.json.data?.embeds?.[0]?.title).toBe(`⏳ Resolving ${id}…`);

    const resolved = await waitFor(() => (parent.edits > 0 ? parent : undefined), {
      what: 'the resolved card',
    });
    expect(resolved.embeds?.[0]?.title).toMatch(new RegExp(`^✅ ${id}:`));
    expect(resolved.components).toEqual([]);
  });

  it('a two-word command (/ops ticket create) reaches the worker, whose answer is an ephemeral follow-up', async () => {
    const payload = interactionFixture('command-ticket-create');
    Object.assign(payload, { id: newId(), token: newToken(), channel_id: channel, guild_id: GUILD });
    payload.channel.id = channel;
    payload.member.roles = [RESPONDER_ROLE];
    const { json } = await send(payload);
    expect(json.type).toBe(4);
    expect(json.data?.embeds?.[0]?.title).toBe('⏳ Creating ticket "Checkout returns "500" for EU cards"…');
    const followUp = await waitFor(() => fake.followUps.find((f) => f.token === payload.token), {
      what: 'the follow-up',
    });
    expect(followUp.body.flags).toBe(64);
    expect(followUp.body.embeds?.[0]?.description).toMatch(/No ticketing integration/);
    const request = fake.find('POST', new RegExp(`^/webhooks/${APPLICATION_ID}/`)).at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
  });

  it('a channel the bot cannot see (50001 Missing Access) ends in a readable message to the user, and the app keeps serving', async () => {
    const hidden = fake.snowflake();
    fake.denyChannel(hidden);
    const payload = page('payments', 'hidden channel', hidden);
    const { json } = await send(payload);
    expect(json.type).toBe(4);
    // The card itself is a follow-up, which needs no bot permission; starting its thread does.
    const failure = await waitFor(
      () => fake.followUps.find((f) => f.token === payload.token && f.body.flags === 64),
      {
        what: 'the failure report',
        timeoutMs: 25_000,
      },
    );
    expect(failure.body.flags).toBe(64);
    const text = failure.body.embeds?.[0]?.description ?? '';
    expect(text).toMatch(/\/ops page failed after 1 attempt/);
    expect(text).toMatch(/Missing Access/);
    expect(text).toMatch(/Add the bot to that channel/);
    expect(text).not.toContain(fake.botToken);
    expect((await send(interactionFixture('ping'))).json).toEqual({ type: 1 });
  }, 40_000);

  it('sends allowed_mentions {parse: []} with every message, response and follow-up', async () => {
    const sent = fake.messageRequests();
    expect(sent.length).toBeGreaterThan(10);
    for (const request of sent) {
      expect((request.json as { allowed_mentions?: unknown }).allowed_mentions, request.path).toEqual({
        parse: [],
      });
    }
    const withData = answers.filter((a) => a.data);
    expect(withData.length).toBeGreaterThan(5);
    for (const answer of withData) expect(answer.data?.allowed_mentions).toEqual({ parse: [] });
  });
});
