import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import { workerConnection } from '../../src/queue/redis.js';
import { connectionErrorCode, formatDuration, RedisWatch } from '../../src/queue/redis-watch.js';
import { createWorker } from '../../src/queue/worker-factory.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { REDIS_URL, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/** The error Node gives for a TCP connect to a port nobody listens on. */
function refusedConnectError(): Promise<Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 1 });
    socket.on('error', resolve);
  });
}

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

describe('telling Redis connection errors from other errors', () => {
  it('names the code of a refused, reset, closed or timed-out connection', async () => {
    expect(connectionErrorCode(await refusedConnectError())).toBe('ECONNREFUSED');
    expect(connectionErrorCode(new Error('Connection is closed.'))).toBe('CONNECTION_CLOSED');
    expect(connectionErrorCode(new Error('Command timed out'))).toBe('ETIMEDOUT');
    expect(connectionErrorCode(new Error('read ECONNRESET'))).toBe('ECONNRESET');
  });

  it('recognises a Redis Cluster or Sentinel that cannot be reached, and a failover in progress', () => {
    expect(connectionErrorCode(new Error('Failed to refresh slots cache.'))).toBe('CLUSTER_UNREACHABLE');
    expect(connectionErrorCode(new Error('CLUSTERDOWN The cluster is down'))).toBe('CLUSTERDOWN');
    expect(
      connectionErrorCode(new Error('All sentinels are unreachable. Retrying from scratch after 200ms.')),
    ).toBe('SENTINELS_UNREACHABLE');
    expect(
      connectionErrorCode(
        new Error(
          'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
        ),
      ),
    ).toBe('FAILOVER');
    expect(connectionErrorCode(new Error("READONLY You can't write against a read only replica."))).toBe(
      'FAILOVER',
    );
  });

  it('leaves script, lock and data errors to the caller', () => {
    expect(connectionErrorCode(new Error('Missing lock for job 1. moveToFinished'))).toBeUndefined();
    expect(connectionErrorCode(new Error('ERR unknown command'))).toBeUndefined();
    expect(connectionErrorCode('ECONNREFUSED')).toBeUndefined();
  });

  it('says how long an outage lasted in words an operator reads at a glance', () => {
    expect(formatDuration(2_289)).toBe('2.3 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(133_000)).toBe('2 min 13 s');
  });
});

describe('a worker’s error events', () => {
  it('logs a lost lock as a warning without a stack, other errors with their stack, and connection errors not at all outside an outage', async () => {
    const prefix = uniquePrefix('watch');
    const loaded = testConfig(prefix, '');
    const { logger, lines } = capturingLogger(loaded);
    const redisWatch = new RedisWatch({ logger, reminderIntervalMs: 60_000 });
    const connection = redisWatch.connection(workerConnection(REDIS_URL), 'worker');
    await waitFor(() => connection.status === 'ready', { what: 'the worker connection' });
    const worker = createWorker(
      {
        connection,
        prefix,
        settings: loaded.config.queue,
        metrics: new Metrics({ defaultMetrics: false }),
        logger,
        redisWatch,
        redact: (text) => text,
      },
      'watched',
      async () => 'done',
      { concurrency: 1 },
    );
    cleanup.push(async () => {
      await worker.close();
      connection.disconnect();
    });

    worker.emit('error', new Error('Missing lock for job 7. moveToFinished'));
    worker.emit('error', new Error('ERR something unexpected'));
    // The watched connection is up: a lagging blocking connection is no outage.
    worker.emit('error', new Error('Connection is closed.'));

    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    expect(logged.map((line) => [line.level, line.msg])).toEqual([
      [40, 'job lock lost before its outcome was saved; it will run again'],
      [50, 'worker error'],
      [20, 'Redis connection error on a queue connection'],
    ]);
    expect(JSON.stringify(logged[0])).not.toContain('"stack"');
    expect(JSON.stringify(logged[1])).toContain('"stack"');
    expect(redisWatch.down).toBe(false);
  });
});
