import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { BACKOFF_TYPE } from '../../src/queue/backoff.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_SECRET } from '../support/config.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const CHANNEL = 'C0LIMITED';
const MAX_DEFERRALS = 2;
/** Longer than the Slack client waits out in place, so every 429 goes back to the queue. */
const RETRY_AFTER_S = 3;

let slack: FakeSlack;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  prefix = uniquePrefix('chat-429');
  const loaded = parseConfigText(
    `
server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
queue:
  retry_count: 1
  backoff_base_ms: 20
  backoff_max_ms: 200
  lock_duration_ms: 2000
  stalled_interval_ms: 1000
  max_rate_limit_deferrals: ${MAX_DEFERRALS}
${slackYaml(slack)}
`,
    {},
  );
  app = await startTestApp(loaded);
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

async function metric(name: string): Promise<string> {
  return app.app.metrics.registry.getSingleMetricAsString(name);
}

describe('queued chat commands under a platform rate limit', () => {
  it('dead-letters a command whose platform keeps answering 429 after max_rate_limit_deferrals deferrals, counted in metrics', async () => {
    const rateLimited = {
      status: 429,
      headers: { 'retry-after': String(RETRY_AFTER_S) },
      body: { ok: false, error: 'ratelimited' },
    };
    for (let n = 0; n <= MAX_DEFERRALS; n++) slack.replyTo('chat.postMessage', rateLimited);
    const responseUrl = slack.responseUrl();

    const ack = await postSlack(
      app.app.url,
      slashForm('page payments "checkout is slow"', { channel_id: CHANNEL, response_url: responseUrl }),
    );
    expect(ack.status).toBe(200);

    const queue = app.app.chat!.actionsQueue('slack');
    const [failed] = await waitFor(
      async () => {
        const jobs = await queue.getFailed();
        return jobs.length > 0 ? jobs : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the dead-lettered command' },
    );
    expect(slack.calls('chat.postMessage')).toHaveLength(MAX_DEFERRALS + 1);
    expect(failed!.failedReason).toContain(`gave up after ${MAX_DEFERRALS} rate-limit deferrals`);
    expect(failed!.data.deferrals).toBe(MAX_DEFERRALS);
    // The job's retry options come from queue.* like a delivery's.
    expect(failed!.opts.attempts).toBe(2);
    expect(failed!.opts.backoff).toEqual({ type: BACKOFF_TYPE });

    await waitFor(
      async () =>
        (await metric('threadline_dead_letters_total')).includes(
          'threadline_dead_letters_total{integration="actions.slack"} 1',
        ),
      { what: 'the dead letter counted' },
    );
    const deliveries = await metric('threadline_deliveries_total');
    expect(deliveries).toContain(
      `threadline_deliveries_total{integration="actions.slack",outcome="deferred"} ${MAX_DEFERRALS}`,
    );
    expect(deliveries).toContain(
      'threadline_deliveries_total{integration="actions.slack",outcome="dead_letter"} 1',
    );

    // The person who asked still hears that it was not done.
    const report = await waitFor(
      () => slack.ephemerals.find((e) => e.responseUrl === responseUrl && shownText(e).includes('failed')),
      { what: 'the failure report' },
    );
    expect(shownText(report)).toContain('/ops page failed after');
    expect(app.logs()).toContain('provider rate limit: chat command deferred');
  });
});
