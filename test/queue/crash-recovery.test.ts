import { afterEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { type ChildServer, startChildServer, writeConfigFile } from '../support/child.js';
import { EVENTS_SECRET, testConfig } from '../support/config.js';
import { allCompleted } from '../support/outcomes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

function integrations(receiverUrl: string): string {
  return `
integrations:
  webhooks:
    enabled: true
    endpoints:
      - { name: ci, url: "${receiverUrl}/hook", events: [implementation_failed], timeout_ms: 20000 }
`;
}

/** The worker child's config file: same prefix and destinations as the in-process ingress. */
function workerConfigText(prefix: string, receiverUrl: string): string {
  return `
server: { host: 127.0.0.1, shutdown_timeout_ms: 10000 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
queue: { backoff_base_ms: 20, lock_duration_ms: 2000, stalled_interval_ms: 1000 }
${integrations(receiverUrl)}`;
}

describe('worker processes', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function setUp() {
    const prefix = uniquePrefix('crash');
    const receiver = await new WebhookReceiver().start();
    const ingress: TestApp = await startTestApp(testConfig(prefix, integrations(receiver.url)), 'ingress');
    cleanup.push(
      () => dropPrefix(prefix),
      () => receiver.stop(),
      () => ingress.close(),
    );
    return { prefix, receiver, ingress, file: writeConfigFile(workerConfigText(prefix, receiver.url)) };
  }

  function track(child: ChildServer): ChildServer {
    cleanup.push(async () => {
      child.process.kill('SIGKILL');
      await child.exited;
    });
    return child;
  }

  it('runs the jobs of a SIGKILLed worker again after restart, every attempt with the same delivery id', async () => {
    const { receiver, ingress, file } = await setUp();
    // The first two requests hang, so both deliveries are in flight when the worker dies.
    receiver.respondWith({ status: 200, delayMs: 30_000 }, { status: 200, delayMs: 30_000 });
    const first = track(await startChildServer(file, ['--role', 'worker']));
    await ingress.post(specEvent('implementation_failed', 'crash-1'));
    await ingress.post(specEvent('implementation_failed', 'crash-2'));
    await waitFor(() => receiver.requests.length >= 2, {
      timeoutMs: 15_000,
      what: 'both deliveries in flight',
    });

    first.process.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    track(await startChildServer(file, ['--role', 'worker']));

    await waitFor(() => receiver.requests.length >= 4, {
      timeoutMs: 20_000,
      what: 'both deliveries retried',
    });
    const recoveredIn = Date.now() - killedAt;
    expect(recoveredIn).toBeLessThan(10_000);
    const ids = receiver.deliveryIds();
    expect(ids.filter((id) => id === 'crash-1.webhooks.ci')).toHaveLength(2);
    expect(ids.filter((id) => id === 'crash-2.webhooks.ci')).toHaveLength(2);
    // Completed deliveries leave nothing behind: none waiting, running or dead-lettered.
    await waitFor(() => allCompleted(ingress.app.queues.delivery('webhooks.ci')), {
      what: 'both jobs completed',
    });
    expect(receiver.requests).toHaveLength(4);
  });

  it('finishes in-flight deliveries on SIGTERM before exiting', async () => {
    const { receiver, ingress, file } = await setUp();
    receiver.respondWith({ status: 200, delayMs: 1500 });
    const worker = track(await startChildServer(file, ['--role', 'worker']));
    await ingress.post(specEvent('implementation_failed', 'term-1'));
    await waitFor(() => receiver.requests.length >= 1, { what: 'the delivery in flight' });

    worker.process.kill('SIGTERM');
    const code = await worker.exited;
    expect(code).toBe(0);
    expect(worker.output()).toContain('shutdown complete');
    expect(await allCompleted(ingress.app.queues.delivery('webhooks.ci'))).toBe(true);
    expect(receiver.requests).toHaveLength(1);
  });
});
