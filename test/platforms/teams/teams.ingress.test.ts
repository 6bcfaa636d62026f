import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { type ConnectorCall, FakeBotFramework } from '../../fakes/bot-framework.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../../support/redis.js';
import { sleep, waitFor } from '../../support/wait.js';
import { type Activity, APP_ID, APP_PASSWORD, activityFixture, CHANNEL, teamsConfig } from './support.js';

const MEGAN = '7faf80ad-3a1c-4b4e-9c1e-3f3f7a1b2c01';
const GUEST = '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b';

type Json = Record<string, unknown>;

let sequence = 1_763_806_600_000;
const nextId = () => String(sequence++);

function cardOf(call: ConnectorCall | undefined): Json {
  const attachments = call?.activity.attachments as Array<{ contentType: string; content: Json }> | undefined;
  expect(attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachments![0]!.content;
}

function titleOf(call: ConnectorCall | undefined): string {
  return String(((cardOf(call).body as Json[])[0] as Json).text);
}

function factsOf(call: ConnectorCall | undefined): Record<string, string> {
  const facts: Record<string, string> = {};
  const body = cardOf(call).body as Json[];
  for (const [i, element] of body.entries()) {
    if (element.type === 'FactSet')
      for (const fact of element.facts as Array<{ title: string; value: string }>)
        facts[fact.title] = fact.value;
    // Long fields are a bold label TextBlock followed by the value.
    const label = /^\*\*(.+)\*\*$/.exec(String(element.text ?? ''));
    if (label) facts[label[1]!] = String(body[i + 1]?.text);
  }
  return facts;
}

describe('Teams ingress at POST /api/messages (botbuilder CloudAdapter, real JWTs)', () => {
  let fake: FakeBotFramework;
  let app: TestApp;
  let prefix: string;

  beforeAll(async () => {
    fake = await FakeBotFramework.start({ appId: APP_ID, appPassword: APP_PASSWORD });
    prefix = uniquePrefix('teams');
    app = await startTestApp(
      teamsConfig(prefix, fake, { extra: `rbac: { roles: { responder: ["teams:${MEGAN}"] } }` }),
    );
  });
  afterEach(() => {
    fake.calls.length = 0;
    fake.attempts.length = 0;
    fake.rejected.length = 0;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await dropPrefix(prefix);
  });

  function message(text: string, from: Partial<Activity['from']> = {}): Activity {
    const activity = activityFixture('message-channel-mention');
    activity.id = nextId();
    activity.serviceUrl = fake.serviceUrl;
    activity.conversation.id = `${CHANNEL};messageid=${activity.id}`;
    activity.text = text;
    activity.from = { ...activity.from, ...from };
    return activity;
  }

  function press(verb: string, value: string, card: { id: string }, from: Partial<Activity['from']> = {}) {
    const activity = activityFixture('invoke-adaptive-card-action');
    activity.id = `f:${nextId()}`;
    activity.serviceUrl = fake.serviceUrl;
    activity.conversation.id = `${CHANNEL};messageid=${card.id}`;
    activity.replyToId = card.id;
    activity.value = {
      action: { type: 'Action.Execute', title: verb, verb, data: { value } },
      trigger: 'manual',
    };
    activity.from = { ...activity.from, ...from };
    return activity;
  }

  async function send(activity: Activity, authorization: string | null = fake.authorization(activity)) {
    const response = await request(`${app.app.url}/api/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(activity),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? (JSON.parse(text) as Json) : undefined };
  }

  async function queuedActions(): Promise<number> {
    const counts = await app.app.chat!.actionsQueue('teams').getJobCounts();
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  /** Pages, and returns the incident card the worker posted into the channel. */
  async function page(summary: string): Promise<{ incident: string; card: ConnectorCall }> {
    const asked = await send(message(`<at>Threadline</at> ops page payments "${summary}"`));
    expect(asked.status).toBe(200);
    const card = await waitFor(
      () => fake.sent('send', CHANNEL).find((c) => titleOf(c).includes(summary.replace(/ /g, ' '))),
      { what: 'the incident card' },
    );
    const incident = /INC-\d+/.exec(titleOf(card))![0];
    // The result is threaded under the card a moment later: wait, so a test does not take it for its own.
    await waitFor(() => fake.sent('send', `${CHANNEL};messageid=${card.id}`)[0], {
      what: 'the result in the incident thread',
    });
    return { incident, card };
  }

  // A token signed with a key the channel does not publish is the shared contract's tampered request.
  it('refuses a request without a token, or whose token is for another bot, service URL or issuer, before anything happens', async () => {
    const activity = message('<at>Threadline</at> ops page payments "checkout 500s"');
    expect((await send(activity, null)).status).toBe(401);
    expect((await send(activity, fake.authorization(activity, { audience: 'someone-else' }))).status).toBe(
      401,
    );
    expect(
      (await send(activity, fake.authorization(activity, { serviceUrl: 'https://elsewhere.example/' })))
        .status,
    ).toBe(401);
    expect(
      (await send(activity, fake.authorization(activity, { issuer: 'https://sts.example' }))).status,
    ).toBe(401);
    await sleep(200);
    expect(await queuedActions()).toBe(0);
    expect(fake.calls).toEqual([]);
    expect(app.logs()).toContain('Teams request refused: not authenticated');
  });

  it('answers `ops help` typed with an @mention as a reply to the message, addressed to the asker', async () => {
    const activity = message('<at>Threadline</at> ops help');
    const { status } = await send(activity);
    expect(status).toBe(200);
    const reply = fake.sent('reply')[0];
    expect(reply?.conversationId).toBe(activity.conversation.id);
    expect(reply?.activityId).toBe(activity.id);
    expect(reply?.activity.replyToId).toBe(activity.id);
    expect(titleOf(reply)).toBe('/ops commands');
    // Card text is escaped for Teams: a zero-width space after `<` keeps `<service>` from being markup.
    expect(JSON.stringify(cardOf(reply))).toContain('/ops page <\u200Bservice> <\u200Bsummary>');
    // Teams has no ephemeral messages: "only for you" answers @mention the asker.
    expect(reply?.activity.text).toBe('<at>Megan Bowen</at>');
    expect(reply?.activity.entities).toEqual([
      { type: 'mention', text: '<at>Megan Bowen</at>', mentioned: { id: MEGAN, name: 'Megan Bowen' } },
    ]);
    expect(reply?.authorization).toMatch(/^Bearer fake-access-/);
    expect(fake.tokenRequests[0]?.path).toBe('/botframework.com/oauth2/v2.0/token');
    expect(fake.rejected).toEqual([]);
  });

  it('answers `ops help` typed without a mention, and `/ops help` and plain `help` as well', async () => {
    for (const text of ['ops help', '/ops help', 'help', 'OPS&nbsp;help']) {
      fake.calls.length = 0;
      const activity = message(text);
      activity.entities = [];
      expect((await send(activity)).status).toBe(200);
      expect(titleOf(fake.sent('reply')[0])).toBe('/ops commands');
    }
  });

  it('pages: "⏳" at once, then the incident card with buttons in the channel and the result in its thread', async () => {
    const activity = message('<at>Threadline</at> ops page payments "checkout 500s"');
    const started = Date.now();
    expect((await send(activity)).status).toBe(200);
    const ack = fake.sent('reply')[0];
    expect(ack?.activityId).toBe(activity.id);
    expect(titleOf(ack)).toBe('⏳ Paging payments…');

    const parent = await waitFor(() => fake.sent('send', CHANNEL)[0], { what: 'the incident card' });
    expect(titleOf(parent)).toMatch(/^🚨 INC-\d+: checkout 500s$/);
    const incident = /INC-\d+/.exec(titleOf(parent))![0];
    const actions = cardOf(parent).actions as Json[];
    expect(actions[0]).toEqual({
      type: 'Action.Execute',
      title: 'Acknowledge',
      verb: 'incident.ack',
      data: { value: incident },
      style: 'positive',
      fallback: {
        type: 'Action.Submit',
        title: 'Acknowledge',
        data: { verb: 'incident.ack', value: incident },
        style: 'positive',
      },
    });
    expect(actions.map((a) => a.type)).toEqual(['Action.Execute', 'Action.ShowCard', 'Action.Execute']);

    const result = await waitFor(() => fake.sent('send', `${CHANNEL};messageid=${parent.id}`)[0], {
      what: 'the result in the incident thread',
    });
    expect(titleOf(result)).toBe(`🚨 ${incident} opened for payments`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fake.rejected).toEqual([]);
  });

  it('acknowledges from the card: the invoke is answered in the request, the card is updated in place', async () => {
    const { incident, card } = await page('ledger lag');
    fake.calls.length = 0;
    const pressed = press('incident.ack', incident, card);
    const answer = await send(pressed);
    expect(answer).toEqual({
      status: 200,
      body: {
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: `⏳ Acknowledging ${incident}…`,
      },
    });
    const update = await waitFor(() => fake.sent('update').find((c) => c.activityId === card.id), {
      what: 'the card update',
    });
    expect(update.conversationId).toBe(CHANNEL);
    expect(titleOf(update)).toBe(`🚨 ${incident}: ledger lag`);
    expect(factsOf(update).Status).toBe('👀 Acknowledged');
    expect(factsOf(update)['Acknowledged by']).toMatch(new RegExp(`^teams:${MEGAN} at `));
    // The Acknowledge button is gone; Resolve and Escalate remain.
    expect((cardOf(update).actions as Json[]).map((a) => a.title)).toEqual(['Resolve', 'Escalate']);
    const threaded = await waitFor(() => fake.sent('send', `${CHANNEL};messageid=${card.id}`)[0]);
    expect(titleOf(threaded)).toBe(`👀 ${incident} acknowledged by teams:${MEGAN}`);
    expect(fake.messages.get(card.id)?.activity).toEqual(update.activity);

    // Teams redelivers: the same invoke activity id does nothing a second time.
    const again = await send(pressed);
    expect(again.body).toMatchObject({ statusCode: 200, value: '⏳ Already received.' });
    await sleep(500);
    expect(fake.sent('update').filter((c) => c.activityId === card.id)).toHaveLength(1);
    const stored = await app.app.chat!.services.incidents.get(incident);
    expect(stored.history.filter((h) => h.action === 'acknowledged')).toHaveLength(1);
  });

  it('tells a non-responder they are not allowed, and changes nothing', async () => {
    const { incident, card } = await page('search down');
    fake.calls.length = 0;
    const answer = await send(
      press('incident.ack', incident, card, { aadObjectId: GUEST, name: 'Guest User', id: '29:guest' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
    });
    expect(String(answer.body?.value)).toContain('You are not allowed to run /ops ack');
    await sleep(500);
    expect(fake.sent('update')).toEqual([]);
    expect((await app.app.chat!.services.incidents.get(incident)).status).toBe('triggered');
  });

  it('takes the Action.Submit fallback of older clients as the same button press', async () => {
    const { incident, card } = await page('cache misses');
    fake.calls.length = 0;
    const submitted = activityFixture('message-action-submit');
    submitted.id = nextId();
    submitted.serviceUrl = fake.serviceUrl;
    submitted.conversation.id = `${CHANNEL};messageid=${card.id}`;
    submitted.replyToId = card.id;
    submitted.value = { verb: 'incident.ack', value: incident };
    expect((await send(submitted)).status).toBe(200);
    expect(titleOf(fake.sent('reply')[0])).toBe(`⏳ Acknowledging ${incident}…`);
    const update = await waitFor(() => fake.sent('update').find((c) => c.activityId === card.id));
    expect(factsOf(update).Status).toBe('👀 Acknowledged');
  });

  it('waits out a connector 429 with Retry-After and then answers', async () => {
    // Earlier tests' queued results may still be posting; the scripted 429 must hit this reply.
    const actions = app.app.chat!.actionsQueue('teams');
    await waitFor(async () => {
      const counts = await actions.getJobCounts('waiting', 'active', 'delayed');
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0;
    });
    await sleep(200);
    fake.attempts.length = 0;
    fake.reply({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { code: 'TooManyRequests' } },
    });
    const started = Date.now();
    expect((await send(message('ops help'))).status).toBe(200);
    expect(fake.attempts).toHaveLength(2);
    expect(fake.attempts[1]!.at - fake.attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(titleOf(fake.sent('reply')[0])).toBe('/ops commands');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('only produces cards that pass the Adaptive Cards 1.5 and Bot Framework activity shapes', async () => {
    const { incident, card } = await page('shape check');
    await send(press('incident.escalate', incident, card));
    await waitFor(() => fake.sent('update').find((c) => c.activityId === card.id));
    await send(message('ops status'));
    await send(message('ops nonsense'));
    await waitFor(() => fake.calls.length >= 5);
    expect(fake.rejected).toEqual([]);
  });
});

describe('Teams ingress in development mode (no app id)', () => {
  it('accepts unauthenticated requests and answers without a token', async () => {
    const fake = await FakeBotFramework.start();
    const prefix = uniquePrefix('teams-dev');
    const loaded = parseConfigText(
      `
server: { mode: development, host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
platforms:
  teams: { enabled: true }
`,
      {},
    );
    const app = await startTestApp(loaded);
    try {
      const activity = activityFixture('message-personal');
      activity.serviceUrl = fake.serviceUrl;
      const response = await request(`${app.app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      expect(response.statusCode).toBe(200);
      await response.body.text();
      const reply = fake.sent('reply')[0];
      expect(reply?.conversationId).toBe(activity.conversation.id);
      expect(titleOf(reply)).toBe('/ops commands');
      // A 1:1 chat is already private: no @mention needed.
      expect(reply?.activity.text).toBeUndefined();
      expect(reply?.authorization).toBeUndefined();
      expect(fake.tokenRequests).toEqual([]);
      expect(app.logs()).toContain('Teams requests are accepted without authentication');
    } finally {
      await app.close();
      await fake.close();
      await dropPrefix(prefix);
    }
  });
});
