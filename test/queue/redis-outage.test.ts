import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_SECRET } from '../support/config.js';
import { allCompleted, deliveryOutcomes } from '../support/outcomes.js';
import { PrivateRedis } from '../support/private-redis.js';
import { waitFor } from '../support/wait.js';

function config(redisUrl: string, receiverUrl: string, queueExtra = '') {
  return parseConfigText(
    `
redis: { url: "${redisUrl}", prefix: "outage", command_timeout_ms: 500 }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
queue: { lock_duration_ms: 2000, stalled_interval_ms: 1000${queueExtra} }
integrations:
  webhooks: { enabled: true, endpoints: [{ name: ci, url: "${receiverUrl}/hook", events: [implementation_failed] }] }
`,
    {},
  );
}

describe('when Redis is down', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  it('answers 503 fast instead of hanging, and loses nothing accepted before', async () => {
    const redis = await new PrivateRedis().start();
    const receiver = await new WebhookReceiver().start();
    cleanup.push(
      () => redis.kill(),
      () => receiver.stop(),
    );
    const loaded = config(redis.url, receiver.url);
    const ingress: TestApp = await startTestApp(loaded, 'ingress');
    cleanup.push(() => ingress.close());

    for (const n of [1, 2, 3])
      expect((await ingress.post(specEvent('implementation_failed', `outage-${n}`))).status).toBe(202);

    // A Redis that stops answering: the request is refused within the command deadline.
    redis.pause();
    let started = Date.now();
    const stalled = await ingress.post(specEvent('implementation_failed', 'outage-stalled'));
    expect(stalled.status).toBe(503);
    expect(stalled.json).toMatchObject({ error: { code: 'unavailable' } });
    expect(Date.now() - started).toBeLessThan(2_000);
    redis.resume();
    // A 503 after a timeout cannot say whether Redis stored the event: the sender retries with
    // the same id, and deduplication makes that safe.
    expect((await ingress.post(specEvent('implementation_failed', 'outage-stalled'))).status).toBe(202);

    // A Redis that is gone: refused at once.
    await redis.kill();
    started = Date.now();
    const refused = await ingress.post(specEvent('implementation_failed', 'outage-refused'));
    expect(refused.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);

    // Redis comes back from its append-only file; a worker delivers what was accepted, and only that.
    await redis.start();
    const worker: TestApp = await startTestApp(loaded, 'worker');
    cleanup.push(() => worker.close());
    await waitFor(() => receiver.requests.length >= 4, {
      timeoutMs: 15_000,
      what: 'the four accepted events',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.deliveryIds().sort()).toEqual([
      'outage-1.webhooks.ci',
      'outage-2.webhooks.ci',
      'outage-3.webhooks.ci',
      'outage-stalled.webhooks.ci',
    ]);
  });

  it('logs an outage once when it starts, reminds while it lasts, once when it ends, and delivers again without a restart', async () => {
    const redis = await new PrivateRedis().start();
    const receiver = await new WebhookReceiver().start();
    cleanup.push(
      () => redis.kill(),
      () => receiver.stop(),
    );
    const reminderMs = 300;
    const app: TestApp = await startTestApp(
      config(redis.url, receiver.url, `, redis_outage_reminder_ms: ${reminderMs}`),
      'all',
    );
    cleanup.push(() => app.close());
    const readiness = async () => {
      const answer = await request(`${app.app.url}/readyz`);
      return { status: answer.statusCode, body: await answer.body.text() };
    };
    const lines = () =>
      app
        .logs()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine);
    const saying = (text: string) => lines().filter((line) => line.msg.startsWith(text));

    expect((await app.post(specEvent('implementation_failed', 'watch-before'))).status).toBe(202);
    // Finished, not just sent: a job whose outcome the outage interrupts simply runs again.
    await waitFor(
      async () =>
        (await deliveryOutcomes(app.app.metrics, 'webhooks.ci', 'delivered')) === 1 &&
        (await allCompleted(app.app.queues.delivery('webhooks.ci'))),
      { what: 'the delivery before the outage' },
    );
    const quietBefore = lines().length;

    await redis.kill();
    const downAt = Date.now();
    await waitFor(async () => (await readiness()).status === 503, { what: '/readyz saying not ready' });
    expect((await readiness()).body).toContain('unreachable');
    await waitFor(() => saying('Redis still unreachable').length >= 3, {
      timeoutMs: 15_000,
      what: 'three reminders',
    });

    await redis.start();
    await waitFor(() => saying('Redis reachable again').length === 1, {
      timeoutMs: 15_000,
      what: 'the end of the outage',
    });
    const lasted = Date.now() - downAt;
    await waitFor(async () => (await readiness()).status === 200, {
      timeoutMs: 15_000,
      what: '/readyz saying ready again',
    });
    expect((await app.post(specEvent('implementation_failed', 'watch-after'))).status).toBe(202);
    await waitFor(() => receiver.deliveryIds().includes('watch-after.webhooks.ci'), {
      timeoutMs: 15_000,
      what: 'the delivery after the outage',
    });

    const started = saying('Redis unreachable');
    expect(started).toHaveLength(1);
    expect(started[0]!.level).toBe(40);
    // A killed server resets the open connections; reconnecting is then refused.
    expect(['ECONNRESET', 'ECONNREFUSED']).toContain(started[0]!.code);
    const reminders = saying('Redis still unreachable');
    expect(reminders.length).toBeLessThanOrEqual(Math.ceil(lasted / reminderMs) + 1);
    expect(reminders.every((line) => line.level === 40 && (line.downForMs ?? 0) > 0)).toBe(true);
    const ended = saying('Redis reachable again');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ level: 30 });
    expect(ended[0]!.downForMs).toBeGreaterThan(0);
    // The outage is those lines and nothing else: no stack trace per queue per reconnect.
    const duringOutage = lines().slice(quietBefore);
    expect(duringOutage.filter((line) => JSON.stringify(line).includes('"stack"'))).toEqual([]);
    expect(duringOutage.filter((line) => line.level >= 40)).toEqual([...started, ...reminders]);
  });
});

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  downForMs?: number;
}
