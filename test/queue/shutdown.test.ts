import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import type { EventPayload } from '../../src/core/payload.js';
import { EventIngestor } from '../../src/events/ingest.js';
import { WorkerPool } from '../../src/events/worker-pool.js';
import { HttpClient } from '../../src/net/http-client.js';
import { Metrics } from '../../src/observability/metrics.js';
import { QueueSet } from '../../src/queue/queues.js';
import { waitUntilReady, workerConnection } from '../../src/queue/redis.js';
import { RedisWatch } from '../../src/queue/redis-watch.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { PrivateRedis } from '../support/private-redis.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const DEADLINE_MS = 1_000;
/** What closing may take beyond its deadline: the forced close is given one second more. */
const MARGIN_MS = 1_500;

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** A worker pool as `serve --role worker` builds it, delivering to one loopback webhook. */
async function startPool(redisUrl: string, receiverUrl: string) {
  const prefix = uniquePrefix('shutdown');
  const loaded: LoadedConfig = testConfig(
    prefix,
    `integrations:
  webhooks:
    enabled: true
    endpoints: [{ name: slow, url: "${receiverUrl}/hook", events: [implementation_failed], timeout_ms: 60000 }]
`,
  );
  const { config } = loaded;
  const { logger, text } = capturingLogger(loaded);
  const redisWatch = new RedisWatch({ logger, reminderIntervalMs: 60_000 });
  const connection = redisWatch.connection(workerConnection(redisUrl), 'worker');
  await waitUntilReady(connection, 5_000);
  const http = new HttpClient({ allowPrivateNetworks: true });
  const registry = await ConnectorRegistry.fromConfig(config, { http });
  const queues = new QueueSet(connection, prefix);
  const pool = WorkerPool.forConfig(config, {
    connection,
    registry,
    queues,
    metrics: new Metrics({ defaultMetrics: false }),
    logger,
    redisWatch,
    redact: (value) => value,
  });
  pool.start();
  // Runs after the test's own cleanup (the receiver is stopped first, ending requests in flight).
  cleanup.unshift(
    async () => {
      connection.disconnect();
      redisWatch.close();
      await registry.close();
      await http.close();
    },
    () => (redisUrl === REDIS_URL ? dropPrefix(prefix) : Promise.resolve()),
  );
  const ingestor = new EventIngestor(queues, config.queue, (event) => registry.route(event));
  const send = (id: string) =>
    ingestor.accept(specEvent('implementation_failed', id) as unknown as EventPayload);
  return { pool, redisWatch, send, logs: text };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

describe('closing workers with a deadline', () => {
  it('returns within its deadline when a delivery is still in flight, and says so', async () => {
    const receiver = await new WebhookReceiver().start();
    cleanup.push(() => receiver.stop());
    receiver.respondWith({ status: 200, delayMs: 30_000 });
    const { pool, send, logs } = await startPool(REDIS_URL, receiver.url);
    await send('close-in-flight');
    await waitFor(() => receiver.requests.length === 1, { what: 'the delivery in flight' });

    const took = await timed(() => pool.close(DEADLINE_MS));
    expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(took).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(logs()).toContain('shutdown deadline passed');
  });

  it('closes a worker pool whose Redis is unreachable within its deadline and a small margin', async () => {
    const redis = await new PrivateRedis().start();
    const receiver = await new WebhookReceiver().start();
    cleanup.push(
      () => redis.kill(),
      () => receiver.stop(),
    );
    const { pool, redisWatch, send } = await startPool(redis.url, receiver.url);
    await send('close-before-outage');
    await waitFor(() => receiver.requests.length === 1, { what: 'a delivery while Redis was up' });

    await redis.kill();
    await waitFor(() => redisWatch.down, { what: 'the outage to be noticed' });
    const took = await timed(() => pool.close(DEADLINE_MS));
    expect(took).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });
});
