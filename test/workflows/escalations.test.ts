import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetters } from '../../src/queue/dead-letters.js';
import { ESCALATIONS_QUEUE } from '../../src/queue/jobs.js';
import { QueueSet } from '../../src/queue/queues.js';
import { API_TOKEN, FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { FakeSlack, type StoredMessage } from '../fakes/slack-api.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { buttons, postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/*
 * Page → nobody acknowledges → the incident escalates on time, through the real app: a Slack
 * slash command (against a loopback Slack), the event pipeline, BullMQ delayed jobs on Redis,
 * a loopback PagerDuty, and a webhook endpoint subscribed to incident_escalated.
 */

const CHANNELS = ['C0ESCALATE', 'C0ACKED', 'C0RESTART', 'C0DEAD'];

function policies(): string {
  return `
escalations:
  default_policy: fast
  services:
    slow-service: slow
    restart-service: restart
    fragile-service: fragile
  policies:
    fast:
      steps:
        - { wait: 300ms, notify: ["oncall:primary"] }
        - { wait: 300ms, notify: ["slack:U777"], page: true }
    slow:
      steps:
        - { wait: 1h, notify: ["oncall:primary"] }
    restart:
      steps:
        - { wait: 2500ms, notify: ["oncall:primary"] }
    fragile:
      steps:
        - { wait: 200ms, notify: ["oncall:primary"], page: true }
oncall:
  schedules:
    primary:
      rotation: { members: [alice], start: "2026-01-05T09:00:00Z", shift: 7d }
`;
}

describe('escalation policies', () => {
  let slack: FakeSlack;
  let pagerduty: FakePagerDuty;
  let hooks: WebhookReceiver;
  let prefix: string;
  let app: TestApp | undefined;
  let timers: Queue;
  const redis = testRedis();

  const config = () =>
    testConfig(
      prefix,
      `${slackYaml(slack)}
integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    api_url: "${pagerduty.baseUrl}"
    api_token: "${API_TOKEN}"
    from_email: oncall@example.com
  webhooks:
    enabled: true
    endpoints:
      - name: escalations
        url: "${hooks.url}/escalations"
        events: [incident_escalated]
${policies()}`,
    );

  beforeAll(async () => {
    slack = await FakeSlack.start({ channels: CHANNELS });
    pagerduty = await FakePagerDuty.start();
    hooks = await new WebhookReceiver().start();
    prefix = uniquePrefix('escalate');
    timers = new Queue(ESCALATIONS_QUEUE, { connection: redis, prefix });
    app = await startTestApp(config());
  });

  afterAll(async () => {
    await app?.close();
    await timers.close();
    redis.disconnect();
    await slack.close();
    await pagerduty.close();
    await hooks.stop();
    await dropPrefix(prefix);
  });

  async function page(channel: string, service: string): Promise<{ parent: StoredMessage; id: string }> {
    const response = await postSlack(
      app!.app.url,
      slashForm(`page ${service} "checkout 500s"`, {
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

  const escalationReplies = (channel: string, parent: StoredMessage) =>
    slack.replies(channel, parent.ts).filter((m) => shownText(m).includes('⏫'));

  it('escalates an unacknowledged incident on time: the on-call person first, then a page', async () => {
    const { parent, id } = await page('C0ESCALATE', 'checkout');

    const first = await waitFor(() => escalationReplies('C0ESCALATE', parent)[0], {
      what: 'the first escalation in the incident thread',
    });
    expect(shownText(first)).toContain(`⏫ ${id} escalated to alice (oncall:primary)`);
    expect(shownText(first)).toContain('step 1 of 2, policy fast');
    // The incident card itself says so, still with its Acknowledge button.
    const card = slack.message('C0ESCALATE', parent.ts);
    expect(shownText(card)).toContain('Escalated by: threadline');
    expect(buttons(card).map((b) => b.action_id)).toContain('incident.ack');

    const second = await waitFor(() => escalationReplies('C0ESCALATE', parent)[1], {
      what: 'the second escalation',
    });
    expect(shownText(second)).toContain(`⏫ ${id} escalated to slack:U777`);

    const paged = await waitFor(
      () =>
        pagerduty
          .events()
          .find((e) => e.dedup_key === `threadline:incident:${id}` && e.event_action === 'trigger'),
      { what: 'the PagerDuty trigger of step 2' },
    );
    expect(paged.payload?.summary).toBe('checkout 500s');

    const event = await waitFor(
      () => hooks.requests.map((r) => JSON.parse(r.body)).find((b) => b.id === `${id}.escalated.r0s1`),
      { what: 'the incident_escalated event of step 2' },
    );
    expect(event).toMatchObject({
      event: 'incident_escalated',
      incident: { id, title: 'checkout 500s', service: 'checkout' },
      escalation: { policy: 'fast', step: 2, round: 1, targets: ['slack:U777'], paged: true },
    });
    await waitFor(async () => (await timers.getJob(`esc.${id}.r0s1`))?.isCompleted(), {
      what: 'the last timer job completed',
    });
    expect(escalationReplies('C0ESCALATE', parent)).toHaveLength(2);
  });

  it('removes the timers when the incident is acknowledged, so it never escalates', async () => {
    const { parent, id } = await page('C0ACKED', 'slow-service');
    const timer = await waitFor(() => timers.getJob(`esc.${id}.r0s0`), { what: 'the SLA timer' });
    expect(await timer.isDelayed()).toBe(true);
    expect(timer.data).toMatchObject({ incidentId: id, policy: 'slow', step: 0, round: 0 });

    await postSlack(
      app!.app.url,
      slashForm(`ack ${id}`, { channel_id: 'C0ACKED', response_url: slack.responseUrl() }),
    );
    await waitFor(async () => (await timers.getJob(`esc.${id}.r0s0`)) === undefined, {
      what: 'the timer removed after the acknowledgement',
    });
    expect(await redis.hget(`${prefix}:escalation:${id}`, 'stopped')).toBe('acknowledged');
    expect(escalationReplies('C0ACKED', parent)).toEqual([]);
  });

  it('fires once when the process restarts in the middle of the SLA wait', async () => {
    const { parent, id } = await page('C0RESTART', 'restart-service');
    const timer = await waitFor(() => timers.getJob(`esc.${id}.r0s0`), { what: 'the SLA timer' });
    expect(await timer.isDelayed()).toBe(true);

    await app!.close();
    app = undefined;
    // Still waiting in Redis while no process runs.
    expect(await (await timers.getJob(`esc.${id}.r0s0`))!.isDelayed()).toBe(true);
    expect(escalationReplies('C0RESTART', parent)).toEqual([]);

    app = await startTestApp(config());
    const reply = await waitFor(() => escalationReplies('C0RESTART', parent)[0], {
      what: 'the escalation after the restart',
      timeoutMs: 15_000,
    });
    expect(shownText(reply)).toContain(`⏫ ${id} escalated to alice (oncall:primary)`);
    await waitFor(async () => (await timers.getJob(`esc.${id}.r0s0`))?.isCompleted(), {
      what: 'the timer job completed',
    });
    expect(escalationReplies('C0RESTART', parent)).toHaveLength(1);
    expect(hooks.requests.filter((r) => JSON.parse(r.body).id === `${id}.escalated.r0s0`)).toHaveLength(1);
  });

  it('dead-letters a step the pager refuses, and a replay pages without repeating the thread reply', async () => {
    // Refused twice: /ops page's own trigger (the incident workflow pages at once), then the step's.
    const refusal = { status: 400, body: { status: 'invalid event', message: 'Event object is invalid' } };
    pagerduty.reply(refusal, refusal);
    const { parent, id } = await page('C0DEAD', 'fragile-service');
    const queues = new QueueSet(redis, prefix);
    try {
      const letters = new DeadLetters(queues);
      const letter = await waitFor(
        async () => (await letters.list()).find((l) => l.eventId === id && l.integration === 'escalations'),
        {
          what: 'the failed escalation step among the dead letters',
        },
      );
      expect(letter).toMatchObject({
        id: `esc.${id}.r0s0`,
        integration: 'escalations',
        event: 'escalation step 1 round 1',
      });
      expect(escalationReplies('C0DEAD', parent)).toHaveLength(1);

      await letters.replay(letter.id);
      await waitFor(async () => (await timers.getJob(`esc.${id}.r0s0`))?.isCompleted(), {
        what: 'the replayed step completed',
      });
      // The two refused triggers, then the replayed step's, which opened the alert.
      expect(
        pagerduty
          .events()
          .filter((e) => e.dedup_key === `threadline:incident:${id}` && e.event_action === 'trigger'),
      ).toHaveLength(3);
      expect(pagerduty.alerts.get(`threadline:incident:${id}`)).toBeDefined();
      expect(escalationReplies('C0DEAD', parent)).toHaveLength(1);
    } finally {
      await queues.close();
    }
  });
});
