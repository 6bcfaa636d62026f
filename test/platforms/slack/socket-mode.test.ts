import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../fakes/slack-api.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { blockActionsPayload, RESPONDER, shownText, slashForm } from './support.js';

/*
 * Socket Mode against the loopback Slack: apps.connections.open hands out a ws:// URL, the fake
 * sends `hello` and then envelopes, and Bolt's SocketModeReceiver acknowledges each one.
 */

let slack: FakeSlack;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: ['C0SOCKET'] });
  prefix = uniquePrefix('slack-socket');
  app = await startTestApp(
    testConfig(
      prefix,
      `
platforms:
  slack:
    enabled: true
    socket_mode: true
    api_url: "${slack.apiUrl}"
    bot_token: "${slack.token}"
    app_token: "${slack.appToken}"
rbac:
  roles:
    responder: ["slack:${RESPONDER}"]
`,
    ),
  );
  await waitFor(() => slack.socketCount === 1, { what: 'the Socket Mode connection' });
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

const slash = (text: string, extra: Record<string, string> = {}) =>
  Object.fromEntries(new URLSearchParams(slashForm(text, { channel_id: 'C0SOCKET', ...extra })));

describe('Slack over Socket Mode', () => {
  it('opens the connection with the app token through apps.connections.open', () => {
    const open = slack.calls('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.headers.authorization).toBe(`Bearer ${slack.appToken}`);
  });

  it('answers /ops help in the envelope acknowledgement', async () => {
    const ack = await slack.sendEnvelope('slash_commands', slash('help'));
    expect(ack.payload?.response_type).toBe('ephemeral');
    expect(shownText(ack.payload as { text?: string; blocks?: unknown[] })).toContain('/ops commands');
  });

  it('queues /ops page and threads its result, then acknowledges a button press', async () => {
    const ack = await slack.sendEnvelope(
      'slash_commands',
      slash('page payments "socket checkout"', { response_url: slack.responseUrl() }),
    );
    expect(shownText(ack.payload as { text?: string })).toContain('⏳ Paging payments');
    const parent = await waitFor(() => slack.history('C0SOCKET').find((m) => !m.thread_ts));
    const id = /INC-\d+/.exec(shownText(parent))![0];
    await waitFor(() => slack.replies('C0SOCKET', parent.ts).length === 1, { what: 'the opened reply' });

    const responseUrl = slack.responseUrl();
    const pressed = await slack.sendEnvelope(
      'interactive',
      blockActionsPayload({
        actionId: 'incident.ack',
        value: id,
        messageTs: parent.ts,
        channel: 'C0SOCKET',
        responseUrl,
      }),
    );
    expect(pressed.payload ?? {}).toEqual({});
    await waitFor(() =>
      slack.replies('C0SOCKET', parent.ts).some((m) => shownText(m).includes('acknowledged by')),
    );
    expect(shownText(slack.message('C0SOCKET', parent.ts))).toContain('Acknowledged by');
    expect(slack.ephemerals.some((e) => e.responseUrl === responseUrl)).toBe(true);
  });

  it('does not expose /slack/events over HTTP', async () => {
    const response = await request(`${app.app.url}/slack/events`, { method: 'POST', body: 'x=1' });
    await response.body.dump();
    expect(response.statusCode).toBe(404);
  });
});
