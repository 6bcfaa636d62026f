import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack-api.js';
import {
  blockActionsPayload,
  buttons,
  interactionForm,
  postSlack,
  SIGNING_SECRET,
  shownText,
  slashForm,
} from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const REQUESTS = 'C0WAIVERS';
const ELSEWHERE = 'C0RELEASE';
const ALICE = 'UALICE';
const BOB = 'UBOB';
const CAROL = 'UCAROL';

let slack: FakeSlack;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [REQUESTS, ELSEWHERE] });
  prefix = uniquePrefix('waiver-copies');
  app = await startTestApp(
    testConfig(
      prefix,
      `
platforms:
  slack: { enabled: true, api_url: "${slack.apiUrl}", bot_token: "${slack.token}", signing_secret: "${SIGNING_SECRET}" }
rbac: { roles: { approver: ["slack:${ALICE}", "slack:${BOB}", "slack:${CAROL}"] } }
waivers: { required_approvals: 2 }
`,
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

/** The card as it is shown now, once it has been replaced `versions` times. */
function cardAfter(channel: string, ts: string, versions: number) {
  const message = slack.message(channel, ts);
  return message && message.versions.length >= versions ? message : undefined;
}

describe('a waiver card shown in two Slack channels', () => {
  it('shows the same quorum on every copy, in place, and drops the buttons on every copy once decided', async () => {
    await postSlack(
      app.app.url,
      slashForm('waiver request FEAT-0001 skip load test', {
        channel_id: REQUESTS,
        user_id: ALICE,
        user_name: 'alice',
        response_url: slack.responseUrl(),
      }),
    );
    const card = await waitFor(() => slack.history(REQUESTS).find((m) => !m.thread_ts), {
      what: 'the approval card',
    });
    const id = /WVR-\d+/.exec(shownText(card))![0];
    expect(shownText(card)).toContain('0 of 2 approvals');
    expect(buttons(card).map((b) => b.action_id)).toEqual(['waiver.approve', 'waiver.reject']);

    // bob approves by typing in another channel: a copy opens there, and the first copy follows.
    await postSlack(
      app.app.url,
      slashForm(`waiver approve ${id}`, {
        channel_id: ELSEWHERE,
        user_id: BOB,
        user_name: 'bob',
        response_url: slack.responseUrl(),
      }),
    );
    const copy = await waitFor(() => slack.history(ELSEWHERE).find((m) => !m.thread_ts), {
      what: 'the copy in the second channel',
    });
    expect(shownText(copy)).toContain('1 of 2 approvals: @bob');
    const first = await waitFor(() => cardAfter(REQUESTS, card.ts, 1), { what: 'the first copy updated' });
    expect(shownText(first)).toContain('1 of 2 approvals: @bob');
    expect(buttons(first).map((b) => b.action_id)).toEqual(['waiver.approve', 'waiver.reject']);

    // carol presses Approve on the first copy: the quorum is reached, both copies say so.
    await postSlack(
      app.app.url,
      interactionForm(
        blockActionsPayload({
          actionId: 'waiver.approve',
          value: id,
          messageTs: card.ts,
          channel: REQUESTS,
          user: CAROL,
          responseUrl: slack.responseUrl(),
        }),
      ),
    );
    const approved = await waitFor(() => cardAfter(REQUESTS, card.ts, 2), {
      what: 'the first copy approved',
    });
    const approvedCopy = await waitFor(() => cardAfter(ELSEWHERE, copy.ts, 1), {
      what: 'the second copy approved',
    });
    for (const shown of [approved, approvedCopy]) {
      expect(shownText(shown)).toContain(`✅ Waiver ${id} for FEAT-0001`);
      expect(shownText(shown)).toContain('2 of 2 approvals: @bob, @ucarol');
      expect(shownText(shown)).toMatch(/@ucarol \(slack:UCAROL\) at \d{4}-/);
      expect(buttons(shown)).toEqual([]);
    }
    const reply = await waitFor(() =>
      slack
        .replies(REQUESTS, card.ts)
        .find((m) => shownText(m).includes(`✅ ${id} approved by @bob, @ucarol`)),
    );
    expect(reply.thread_ts).toBe(card.ts);
  });
});
