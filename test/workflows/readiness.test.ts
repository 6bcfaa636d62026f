import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { READINESS_TIMERS_QUEUE } from '../../src/queue/jobs.js';
import { FakeSlack, type StoredMessage } from '../fakes/slack-api.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
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
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/*
 * A readiness gate reports an exception → its card waits in the spec's thread for an owner →
 * acknowledged, or escalated once the SLA has passed. Through the real app: POST /hooks/events,
 * a loopback Slack, BullMQ delayed jobs on Redis, and a webhook endpoint subscribed to the
 * readiness events.
 */

const NOTIFY = 'C0READINESS';
const ELSEWHERE = 'C0RELEASES';
const OWNER = 'UOWNER';
const RESPONDER = 'U123';
const STRANGER = 'U999';
const READINESS_EVENTS =
  '[readiness_exception_acknowledged, readiness_exception_escalated, readiness_exception_resolved]';

function yaml(slack: FakeSlack, hooks: WebhookReceiver, sla: string): string {
  return `
platforms:
  slack: { enabled: true, api_url: "${slack.apiUrl}", bot_token: "${slack.token}", signing_secret: "${SIGNING_SECRET}" }
rbac: { roles: { responder: ["slack:${RESPONDER}"] } }
integrations:
  slack:
    enabled: true
    channel: ${NOTIFY}
    notify_on: [readiness_exception, readiness_exception_acknowledged]
  webhooks:
    enabled: true
    endpoints:
      - { name: readiness, url: "${hooks.url}/readiness", events: ${READINESS_EVENTS} }
readiness:
  owner_role: responder
  owners: ["slack:${OWNER}"]
  sla: ${sla}
  escalation_policy: release
escalations:
  policies:
    release:
      steps:
        - { wait: 1h, notify: ["oncall:primary"] }
        - { wait: 1h, notify: ["slack:U777"] }
oncall:
  schedules:
    primary:
      rotation: { members: [alice], start: "2026-01-05T09:00:00Z", shift: 7d }
`;
}

function exception(id: string, specId: string) {
  return {
    id,
    event: 'readiness_exception',
    spec: { id: specId, title: 'User Authentication' },
    readiness: { gate: 'load-test', reason: 'p99 latency over budget' },
  };
}

const events = (hooks: WebhookReceiver, name: string) =>
  hooks.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>).filter((b) => b.event === name);

const escalationReplies = (slack: FakeSlack, channel: string, parent: StoredMessage) =>
  slack.replies(channel, parent.ts).filter((m) => shownText(m).includes('⏫'));

/** `user` presses Acknowledge on the exception's card in the NOTIFY channel. */
const pressAcknowledge = (
  url: string,
  slack: FakeSlack,
  exceptionId: string,
  messageTs: string,
  user: string,
) =>
  postSlack(
    url,
    interactionForm(
      blockActionsPayload({
        actionId: 'readiness.ack',
        value: exceptionId,
        messageTs,
        channel: NOTIFY,
        user,
        responseUrl: slack.responseUrl(),
      }),
    ),
  );

describe('readiness exceptions within their SLA', () => {
  let slack: FakeSlack;
  let hooks: WebhookReceiver;
  let app: TestApp;
  let timers: Queue;
  const prefix = uniquePrefix('readiness');
  const redis = testRedis();

  beforeAll(async () => {
    slack = await FakeSlack.start({ channels: [NOTIFY, ELSEWHERE] });
    hooks = await new WebhookReceiver().start();
    timers = new Queue(READINESS_TIMERS_QUEUE, { connection: redis, prefix });
    app = await startTestApp(testConfig(prefix, yaml(slack, hooks, '1h')));
  });

  afterAll(async () => {
    await app?.close();
    await timers.close();
    redis.disconnect();
    await slack?.close();
    await hooks?.stop();
    await dropPrefix(prefix);
  });

  const card = (specId: string) =>
    waitFor(() => slack.history(NOTIFY).find((m) => !m.thread_ts && shownText(m).includes(specId)), {
      what: `the ${specId} exception card`,
    });

  it("posts an exception card with Acknowledge and Resolve in the spec's thread, and starts its SLA timer", async () => {
    expect((await app.post(exception('RX-card', 'FEAT-0101'))).status).toBe(202);
    const parent = await card('FEAT-0101');
    expect(shownText(parent)).toContain('Readiness exception: FEAT-0101');
    expect(shownText(parent)).toContain('Waiting for an owner');
    expect(shownText(parent)).toContain('load-test');
    expect(buttons(parent).map((b) => [b.action_id, b.value])).toEqual([
      ['readiness.ack', 'RX-card'],
      ['readiness.resolve', 'RX-card'],
    ]);
    // The event's own notification is a reply under the card.
    await waitFor(() => slack.replies(NOTIFY, parent.ts).length === 1, { what: 'the notification reply' });

    const timer = await waitFor(() => timers.getJob('rdy.RX-card.r0s0'), { what: 'the SLA timer' });
    expect(await timer.isDelayed()).toBe(true);
    expect(timer.data).toMatchObject({ incidentId: 'RX-card', policy: 'release', round: 0, step: 0 });
    expect(timer.data.dueAt - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('an owner acknowledges: every copy of the card updates, the timer is removed, one event is sent', async () => {
    await app.post(exception('RX-ack', 'FEAT-0102'));
    const parent = await card('FEAT-0102');
    await waitFor(() => timers.getJob('rdy.RX-ack.r0s0'), { what: 'the SLA timer' });

    // An id that does not exist is answered as such.
    await postSlack(
      app.app.url,
      slashForm('readiness resolve RX-nope', {
        channel_id: ELSEWHERE,
        user_id: RESPONDER,
        response_url: slack.responseUrl(),
      }),
    );
    await waitFor(
      () => slack.ephemerals.find((e) => shownText(e).includes('no readiness exception RX-nope')),
      {
        what: 'the unknown id answered',
      },
    );

    // The owner presses Acknowledge on the card.
    await pressAcknowledge(app.app.url, slack, 'RX-ack', parent.ts, OWNER);
    const acked = await waitFor(
      () => {
        const shown = slack.message(NOTIFY, parent.ts);
        return shown && shownText(shown).includes('Acknowledged by') ? shown : undefined;
      },
      { what: 'the card acknowledged in place' },
    );
    expect(shownText(acked)).toContain(`slack:${OWNER}`);
    expect(buttons(acked).map((b) => b.action_id)).toEqual(['readiness.resolve']);
    await waitFor(
      () => slack.replies(NOTIFY, parent.ts).some((m) => shownText(m).includes('👀 RX-ack acknowledged')),
      {
        what: 'the acknowledgement in the thread',
      },
    );
    await waitFor(async () => (await timers.getJob('rdy.RX-ack.r0s0')) === undefined, {
      what: 'the SLA timer removed',
    });

    // Resolved from the other channel by typing: a copy opens there, and the first copy follows.
    await postSlack(
      app.app.url,
      slashForm('readiness resolve RX-ack', {
        channel_id: ELSEWHERE,
        user_id: RESPONDER,
        response_url: slack.responseUrl(),
      }),
    );
    const copy = await waitFor(() => slack.history(ELSEWHERE).find((m) => !m.thread_ts), {
      what: 'the copy in the second channel',
    });
    const first = await waitFor(
      () => {
        const shown = slack.message(NOTIFY, parent.ts);
        return shown && shownText(shown).includes('Resolved by') ? shown : undefined;
      },
      { what: 'the first copy resolved' },
    );
    for (const shown of [first, copy]) {
      expect(shownText(shown)).toContain(`Resolved by: slack:${RESPONDER}`);
      expect(buttons(shown)).toEqual([]);
    }

    const ack = await waitFor(() => events(hooks, 'readiness_exception_acknowledged')[0], {
      what: 'the readiness_exception_acknowledged event',
    });
    expect(ack).toMatchObject({
      id: 'RX-ack.acknowledged',
      spec: { id: 'FEAT-0102' },
      readiness: {
        id: 'RX-ack',
        status: 'acknowledged',
        acknowledged_by: `slack:${OWNER}`,
        gate: 'load-test',
      },
    });
    await waitFor(() => events(hooks, 'readiness_exception_resolved')[0], { what: 'the resolved event' });
    // A second press of Acknowledge on a stale copy changes nothing and raises nothing.
    await pressAcknowledge(app.app.url, slack, 'RX-ack', parent.ts, OWNER);
    await waitFor(() => slack.ephemerals.find((e) => shownText(e).includes('RX-ack is already resolved')), {
      what: 'the second press answered',
    });
    expect(events(hooks, 'readiness_exception_acknowledged')).toHaveLength(1);
    expect(events(hooks, 'readiness_exception_escalated')).toEqual([]);
  });

  it("refuses a non-owner's Acknowledge with a message and an audit entry, and leaves the SLA running", async () => {
    await app.post(exception('RX-stranger', 'FEAT-0103'));
    const parent = await card('FEAT-0103');
    await waitFor(() => timers.getJob('rdy.RX-stranger.r0s0'), { what: 'the SLA timer' });

    await pressAcknowledge(app.app.url, slack, 'RX-stranger', parent.ts, STRANGER);
    const refusal = await waitFor(
      () =>
        slack.ephemerals.find((e) =>
          shownText(e).includes('Only a readiness owner may acknowledge RX-stranger'),
        ),
      { what: 'the refusal' },
    );
    expect(shownText(refusal)).toContain('responder role and readiness.owners');
    const audit = new AuditLog(redis, prefix);
    const entry = await waitFor(
      async () =>
        (await audit.recent()).find(
          (r) => r.action === 'readiness.acknowledge' && r.target === 'RX-stranger',
        ),
      { what: 'the audit entry' },
    );
    expect(entry).toMatchObject({ actor: `slack:${STRANGER}`, outcome: 'refused' });

    expect(shownText(slack.message(NOTIFY, parent.ts))).toContain('Waiting for an owner');
    expect(await (await timers.getJob('rdy.RX-stranger.r0s0'))?.isDelayed()).toBe(true);
    expect(events(hooks, 'readiness_exception_acknowledged').map((e) => e.id)).not.toContain(
      'RX-stranger.acknowledged',
    );
  });

  it('applies an acknowledgement sent to POST /hooks/events: the timer goes and the card shows who', async () => {
    await app.post(exception('RX-hook', 'FEAT-0104'));
    const parent = await card('FEAT-0104');
    await waitFor(() => timers.getJob('rdy.RX-hook.r0s0'), { what: 'the SLA timer' });

    const sent = await app.post({
      id: 'RX-hook-ack-from-ci',
      event: 'readiness_exception_acknowledged',
      spec: { id: 'FEAT-0104' },
      readiness: { id: 'RX-hook', acknowledged_by: 'release-bot' },
    });
    expect(sent.status).toBe(202);
    await waitFor(async () => (await timers.getJob('rdy.RX-hook.r0s0')) === undefined, {
      what: 'the SLA timer removed',
    });
    const shown = await waitFor(
      () => {
        const message = slack.message(NOTIFY, parent.ts);
        return message && shownText(message).includes('Acknowledged by') ? message : undefined;
      },
      { what: 'the card acknowledged by the event' },
    );
    expect(shownText(shown)).toContain('Acknowledged by: release-bot');
    expect(buttons(shown).map((b) => b.action_id)).toEqual(['readiness.resolve']);
  });
});

describe('a readiness exception nobody acknowledges', () => {
  let slack: FakeSlack;
  let hooks: WebhookReceiver;
  let app: TestApp | undefined;
  let timers: Queue;
  const prefix = uniquePrefix('readiness-sla');
  const redis = testRedis();
  const config = () => testConfig(prefix, yaml(slack, hooks, '2500ms'));

  beforeAll(async () => {
    slack = await FakeSlack.start({ channels: [NOTIFY, ELSEWHERE] });
    hooks = await new WebhookReceiver().start();
    timers = new Queue(READINESS_TIMERS_QUEUE, { connection: redis, prefix });
    app = await startTestApp(config());
  });

  afterAll(async () => {
    await app?.close();
    await timers.close();
    redis.disconnect();
    await slack?.close();
    await hooks?.stop();
    await dropPrefix(prefix);
  });

  it('escalates once when the SLA passes, even though the process restarted during the wait', async () => {
    await app!.post(exception('RX-late', 'FEAT-0201'));
    const parent = await waitFor(() => slack.history(NOTIFY).find((m) => !m.thread_ts), {
      what: 'the exception card',
    });
    const timer = await waitFor(() => timers.getJob('rdy.RX-late.r0s0'), { what: 'the SLA timer' });
    expect(await timer.isDelayed()).toBe(true);

    await app!.close();
    app = undefined;
    expect(await (await timers.getJob('rdy.RX-late.r0s0'))!.isDelayed()).toBe(true);
    expect(escalationReplies(slack, NOTIFY, parent)).toEqual([]);

    app = await startTestApp(config());
    const reply = await waitFor(() => escalationReplies(slack, NOTIFY, parent)[0], {
      what: 'the escalation after the restart',
      timeoutMs: 15_000,
    });
    expect(shownText(reply)).toContain('⏫ RX-late (FEAT-0201) escalated to alice (oncall:primary)');
    expect(shownText(reply)).toContain('step 1 of 2, policy release');
    const shown = await waitFor(
      () => {
        const message = slack.message(NOTIFY, parent.ts);
        return message && shownText(message).includes('Escalated to') ? message : undefined;
      },
      { what: 'the card showing the escalation' },
    );
    // Still waiting for its owner: the Acknowledge button stays.
    expect(buttons(shown).map((b) => b.action_id)).toContain('readiness.ack');

    const escalated = await waitFor(() => events(hooks, 'readiness_exception_escalated')[0], {
      what: 'the readiness_exception_escalated event',
    });
    expect(escalated).toMatchObject({
      id: 'RX-late.escalated.r0s0',
      spec: { id: 'FEAT-0201' },
      readiness: {
        id: 'RX-late',
        status: 'open',
        escalation: { policy: 'release', round: 1, step: 1, targets: ['alice'] },
      },
    });
    await waitFor(async () => (await timers.getJob('rdy.RX-late.r0s0'))?.isCompleted(), {
      what: 'the SLA timer completed',
    });
    // The policy's next step waits an hour; the owner's acknowledgement now removes it.
    expect(await (await timers.getJob('rdy.RX-late.r0s1'))?.isDelayed()).toBe(true);
    await pressAcknowledge(app.app.url, slack, 'RX-late', parent.ts, OWNER);
    await waitFor(async () => (await timers.getJob('rdy.RX-late.r0s1')) === undefined, {
      what: 'the next step removed by the acknowledgement',
    });
    expect(escalationReplies(slack, NOTIFY, parent)).toHaveLength(1);
    expect(events(hooks, 'readiness_exception_escalated')).toHaveLength(1);
  });
});
