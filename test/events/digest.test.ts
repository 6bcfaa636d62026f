import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack-api.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

describe('notifications.rate_limit', () => {
  const prefix = uniquePrefix('digest');
  const redis = testRedis();
  let slack: FakeSlack;
  let t: TestApp;

  beforeAll(async () => {
    slack = await FakeSlack.start();
    t = await startTestApp(
      testConfig(
        prefix,
        `
notifications: { rate_limit: { max_per_hour: 2, max_per_day: 100 } }
integrations:
  slack: { enabled: true, webhook_url: "${slack.webhookUrl}", notify_on: [implementation_failed] }
  webhooks: { enabled: true, endpoints: [{ name: machine, url: "${slack.baseUrl}/machine", events: [implementation_failed] }] }
`,
      ),
    );
  });

  afterAll(async () => {
    await t.close();
    await slack.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('holds chat notifications over the limit and sends them later as one digest, never dropping one', async () => {
    for (let n = 1; n <= 5; n++)
      await t.post(
        specEvent('implementation_failed', `digest-${n}`, {
          spec: { id: `FEAT-000${n}`, title: `Spec ${n}` },
        }),
      );
    const toSlack = () => slack.requests.filter((r) => r.path !== '/machine');
    await waitFor(async () => (await t.app.queues.digests.getJobCounts('delayed')).delayed === 1, {
      what: 'a scheduled digest',
    });
    await waitFor(() => toSlack().length === 2, { what: 'the two messages the limit allows' });
    // Machine receivers are not rate limited: all five went out.
    await waitFor(() => slack.requests.filter((r) => r.path === '/machine').length === 5, {
      what: 'five webhook deliveries',
    });

    await waitFor(
      async () =>
        (
          await t.app.metrics.registry.getSingleMetricAsString('threadline_notifications_held_total')
        ).includes('threadline_notifications_held_total{integration="slack"} 3'),
      { what: 'three held notifications counted' },
    );

    // Let an hour pass: move the recorded sends back in time, then run the due digest now.
    const sentKey = `${prefix}:ratelimit:slack:sent`;
    const members = await redis.zrange(sentKey, 0, -1);
    for (const member of members) await redis.zadd(sentKey, Date.now() - 2 * 3_600_000, member);
    const [digest] = await t.app.queues.digests.getDelayed();
    await digest!.promote();

    await waitFor(() => toSlack().length === 3, { what: 'the digest message' });
    const text = JSON.stringify(toSlack()[2]!.json);
    expect(text).toContain('3 notifications held by the rate limit');
    for (const id of ['FEAT-0003', 'FEAT-0004', 'FEAT-0005']) expect(text).toContain(id);
    expect(text).not.toContain('FEAT-0001');
    await new Promise((r) => setTimeout(r, 300));
    expect(toSlack()).toHaveLength(3);
  });
});
