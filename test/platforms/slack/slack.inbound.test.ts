import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, type StoredMessage } from '../../fakes/slack-api.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import { sleep, waitFor } from '../../support/wait.js';
import {
  blockActionsPayload,
  buttons,
  fixtureJson,
  interactionForm,
  type Json,
  postSlack,
  RESPONDER,
  STRANGER,
  shownText,
  slackYaml,
  slashForm,
  TEAM,
} from './support.js';

/** The form body of a click on an incident card's Acknowledge button. */
function ackPress(
  channel: string,
  messageTs: string,
  id: string,
  responseUrl: string,
  user?: string,
): string {
  return interactionForm(
    blockActionsPayload({
      actionId: 'incident.ack',
      value: id,
      messageTs,
      channel,
      responseUrl,
      ...(user ? { user } : {}),
    }),
  );
}

const CHANNELS = [
  'C0HELP',
  'C0BUSY',
  'C0PAGE',
  'C0ACK',
  'C0DOUBLE',
  'C0TWICE',
  'C0STRANGER',
  'C0RETRY',
  'C0TOGETHER',
  'C0MENTION',
];

let slack: FakeSlack;
let app: TestApp;
let prefix: string;
let base: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: CHANNELS });
  prefix = uniquePrefix('slack-in');
  app = await startTestApp(testConfig(prefix, slackYaml(slack)));
  base = app.app.url;
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

async function jobCount(): Promise<number> {
  const counts = await app.app
    .chat!.actionsQueue('slack')
    .getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  return Object.values(counts).reduce((a: number, b: number) => a + b, 0);
}

/** `/ops page` in a channel; resolves once the incident card (the thread parent) is there. */
async function openIncident(channel: string): Promise<{ parent: StoredMessage; id: string }> {
  const response = await postSlack(
    base,
    slashForm(`page payments "checkout 500s in ${channel}"`, {
      channel_id: channel,
      response_url: slack.responseUrl(),
    }),
  );
  expect(response.status).toBe(200);
  const parent = await waitFor(() => slack.history(channel).find((m) => !m.thread_ts), {
    what: `the incident card in ${channel}`,
  });
  const id = /INC-\d+/.exec(shownText(parent))?.[0];
  if (!id) throw new Error(`no incident id in ${shownText(parent)}`);
  return { parent, id };
}

describe('Slack slash commands', () => {
  it('answers /ops help ephemerally inside the request', async () => {
    const response = await postSlack(base, slashForm('help', { channel_id: 'C0HELP' }));
    expect(response.status).toBe(200);
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '/ops commands', emoji: true },
    });
    expect(shownText(response.json)).toContain('/ops page <service> <summary>');
    expect(response.ms).toBeLessThan(3_000);
    expect(slack.history('C0HELP')).toEqual([]);
  });

  it('acks /ops page at once with "⏳", then posts the incident card as a thread parent and the result in its thread', async () => {
    const channel = 'C0PAGE';
    const response = await postSlack(
      base,
      slashForm('page payments "checkout 500s"', { channel_id: channel, response_url: slack.responseUrl() }),
    );
    expect(response.status).toBe(200);
    expect(response.json.response_type).toBe('ephemeral');
    expect(shownText(response.json)).toContain('⏳ Paging payments');

    const parent = await waitFor(() => slack.history(channel).find((m) => !m.thread_ts));
    expect(shownText(parent)).toMatch(/INC-\d+: checkout 500s/);
    const shown = buttons(parent);
    expect(shown.map((b) => b.text.text)).toEqual(['Acknowledge', 'Resolve', 'Escalate']);
    expect(shown.map((b) => b.action_id)).toEqual(['incident.ack', 'incident.resolve', 'incident.escalate']);
    expect(shown.map((b) => b.style)).toEqual(['primary', undefined, 'danger']);
    expect(shown[1]!.confirm.title.text).toMatch(/^Resolve INC-\d+\?$/);
    expect(new Set(shown.map((b) => b.value)).size).toBe(1);

    const reply = await waitFor(() => slack.replies(channel, parent.ts)[0], { what: 'the threaded result' });
    expect(reply.thread_ts).toBe(parent.ts);
    expect(shownText(reply)).toMatch(/INC-\d+ opened for payments/);
    // One message per second per channel: the reply waited for the parent's slot to pass.
    expect(reply.at - parent.at).toBeGreaterThanOrEqual(900);
  });

  it('never posts more than one message a second into a busy channel, whichever worker posts', async () => {
    const channel = 'C0BUSY';
    const answers = await Promise.all(
      [1, 2, 3].map((i) =>
        postSlack(
          base,
          slashForm(`page svc${i} "busy ${i}"`, { channel_id: channel, response_url: slack.responseUrl() }),
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const messages = await waitFor(
      () => (slack.history(channel).length === 6 ? slack.history(channel) : undefined),
      { timeoutMs: 20_000, intervalMs: 100, what: 'three cards and three replies' },
    );
    const cards = messages.filter((m) => !m.thread_ts);
    expect(cards).toHaveLength(3);
    for (const card of cards) expect(slack.replies(channel, card.ts)).toHaveLength(1);
    const times = messages.map((m) => m.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
  });

  it('acts once on a command Slack delivers twice (X-Slack-Retry-Num)', async () => {
    const body = slashForm('page checkout "retry storm"', {
      channel_id: 'C0RETRY',
      response_url: slack.responseUrl(),
    });
    const before = await jobCount();
    const first = await postSlack(base, body);
    const again = await postSlack(base, body, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(shownText(again.json)).toContain('Already received');
    expect(await jobCount()).toBe(before + 1);
  });

  it('acts once on two copies of a command that arrive at the same moment', async () => {
    const body = slashForm('page checkout "two copies at once"', {
      channel_id: 'C0TOGETHER',
      response_url: slack.responseUrl(),
    });
    const before = await jobCount();
    const answers = await Promise.all([postSlack(base, body), postSlack(base, body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const texts = answers.map((a) => shownText(a.json));
    expect(texts.filter((t) => t.includes('Already received'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Paging'))).toHaveLength(1);
    expect(await jobCount()).toBe(before + 1);
  });
});

describe('Slack buttons (block_actions)', () => {
  it('acknowledges an incident when a responder presses Acknowledge: ephemeral ⏳, the card updated, a threaded reply', async () => {
    const channel = 'C0ACK';
    const { parent, id } = await openIncident(channel);
    await waitFor(() => slack.replies(channel, parent.ts).length === 1, { what: 'the "opened" reply' });
    const responseUrl = slack.responseUrl();
    const response = await postSlack(base, ackPress(channel, parent.ts, id, responseUrl));
    expect(response.status).toBe(200);
    expect(response.text).toBe('');

    const pending = await waitFor(() => slack.ephemerals.find((e) => e.responseUrl === responseUrl));
    expect(shownText(pending)).toContain(`⏳ Acknowledging ${id}`);

    const updated = await waitFor(() => {
      const message = slack.message(channel, parent.ts);
      return message && message.versions.length > 0 ? message : undefined;
    });
    expect(shownText(updated)).toMatch(new RegExp(`Acknowledged by\\*\\n${`slack:${RESPONDER}`} at `));
    expect(buttons(updated).map((b) => b.text.text)).toEqual(['Resolve', 'Escalate']);
    const reply = await waitFor(() =>
      slack
        .replies(channel, parent.ts)
        .find((m) => shownText(m).includes(`acknowledged by slack:${RESPONDER}`)),
    );
    expect(reply.thread_ts).toBe(parent.ts);
    expect((await app.app.chat!.services.incidents.get(id)).status).toBe('acknowledged');
  });

  it('acknowledges once when the same button payload arrives twice', async () => {
    const channel = 'C0DOUBLE';
    const { parent, id } = await openIncident(channel);
    const responseUrl = slack.responseUrl();
    const body = ackPress(channel, parent.ts, id, responseUrl);
    const answers = await Promise.all([postSlack(base, body), postSlack(base, body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);

    await waitFor(() =>
      slack.replies(channel, parent.ts).some((m) => shownText(m).includes('acknowledged by')),
    );
    await sleep(1_500);
    expect(slack.message(channel, parent.ts)!.versions).toHaveLength(1);
    expect(
      slack.replies(channel, parent.ts).filter((m) => shownText(m).includes('acknowledged by')),
    ).toHaveLength(1);
    expect(slack.ephemerals.filter((e) => e.responseUrl === responseUrl)).toHaveLength(1);
  });

  it('tells the second of two separate clicks that the incident is already acknowledged', async () => {
    const channel = 'C0TWICE';
    const { parent, id } = await openIncident(channel);
    const press = () => postSlack(base, ackPress(channel, parent.ts, id, slack.responseUrl()));
    await press();
    await waitFor(() =>
      slack.replies(channel, parent.ts).some((m) => shownText(m).includes('acknowledged by')),
    );
    const second = slack.responseUrl();
    await postSlack(base, ackPress(channel, parent.ts, id, second));
    const told = await waitFor(() =>
      slack.ephemerals.find((e) => e.responseUrl === second && shownText(e).includes('already acknowledged')),
    );
    expect(shownText(told)).toContain(`${id} is already acknowledged`);
    expect(slack.message(channel, parent.ts)!.versions).toHaveLength(1);
  });

  it('refuses a click by someone without the responder role, ephemerally, and changes nothing', async () => {
    const channel = 'C0STRANGER';
    const { parent, id } = await openIncident(channel);
    const responseUrl = slack.responseUrl();
    const before = await jobCount();
    const response = await postSlack(base, ackPress(channel, parent.ts, id, responseUrl, STRANGER));
    expect(response.status).toBe(200);
    const refusal = await waitFor(() => slack.ephemerals.find((e) => e.responseUrl === responseUrl));
    expect(shownText(refusal)).toContain('You are not allowed to run /ops ack');
    await sleep(500);
    expect(await jobCount()).toBe(before);
    expect((await app.app.chat!.services.incidents.get(id)).status).toBe('triggered');
    expect(slack.message(channel, parent.ts)!.versions).toHaveLength(0);
  });
});

// A body changed after signing is the shared contract's tampered request (slack.contract.test.ts).
describe('Slack request checks', () => {
  it('refuses a request signed with another secret, or not signed, with 401 and queues nothing', async () => {
    const before = await jobCount();
    const body = slashForm('page payments "forged"', { channel_id: 'C0PAGE' });
    const forged = await postSlack(base, body, { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe('bad_signature');
    const missing = await postSlack(base, body, { signature: '' });
    expect(missing.status).toBe(401);
    await sleep(200);
    expect(await jobCount()).toBe(before);
  });

  it('refuses a Slack request signed six minutes ago, or six minutes in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = slashForm('help');
    expect((await postSlack(base, body, { timestamp: now - 6 * 60 })).status).toBe(401);
    expect((await postSlack(base, body, { timestamp: now + 6 * 60 })).status).toBe(401);
    expect((await postSlack(base, body, { timestamp: now - 4 * 60 })).status).toBe(200);
  });

  it('answers ssl_check with 200', async () => {
    const response = await postSlack(base, 'ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO');
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it('answers url_verification with its challenge', async () => {
    const challenge = fixtureJson('url-verification.json');
    const response = await postSlack(base, JSON.stringify(challenge), { contentType: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ challenge: challenge.challenge });
  });

  it('refuses malformed bodies with 400', async () => {
    const cases: Array<[string, string]> = [
      ['payload=%7Bnot%20json', 'application/x-www-form-urlencoded'],
      ['payload=%5B1%2C2%5D', 'application/x-www-form-urlencoded'],
      [interactionForm({ type: 'block_actions', actions: [] }), 'application/x-www-form-urlencoded'],
      ['hello=world', 'application/x-www-form-urlencoded'],
      [slashForm('help', { user_id: '' }), 'application/x-www-form-urlencoded'],
      ['{"type":"event_callback"', 'application/json'],
      ['{"type":"event_callback","team_id":"T0THREAD"}', 'application/json'],
      ['[]', 'application/json'],
    ];
    for (const [body, contentType] of cases) {
      const response = await postSlack(base, body, { contentType });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
  });

  it('answers an @mention like a command, in the thread it came from', async () => {
    const event: Json = fixtureJson('app-mention.json');
    event.team_id = TEAM;
    event.event_id = `Ev${Date.now()}`;
    event.event = { ...event.event, user: RESPONDER, channel: 'C0MENTION', text: '<@U0BOT> status' };
    const raw = JSON.stringify(event);
    const response = await postSlack(base, raw, { contentType: 'application/json' });
    expect(response.status).toBe(200);
    const answer = await waitFor(() =>
      slack.calls('chat.postEphemeral').find((r) => (r.json as Json).channel === 'C0MENTION'),
    );
    expect((answer.json as Json).user).toBe(RESPONDER);
    expect((answer.json as Json).thread_ts).toBe(event.event.ts);
    const again = await postSlack(base, raw, {
      contentType: 'application/json',
      headers: { 'x-slack-retry-num': '1' },
    });
    expect(again.status).toBe(200);
    await sleep(300);
    expect(
      slack.calls('chat.postEphemeral').filter((r) => (r.json as Json).channel === 'C0MENTION'),
    ).toHaveLength(1);
  });
});
