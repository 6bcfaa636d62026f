import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueSet } from '../../src/queue/queues.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { writeConfigFile } from '../support/child.js';
import { cli } from '../support/cli.js';
import { dropPrefix, REDIS_URL, testRedis, uniquePrefix } from '../support/redis.js';

function configFile(prefix: string, receiverUrl: string, redisUrl = REDIS_URL): string {
  return writeConfigFile(`
redis: { url: "${redisUrl}", prefix: "${prefix}", command_timeout_ms: 500 }
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
queue: { backoff_base_ms: 10, backoff_max_ms: 50 }
integrations:
  webhooks:
    enabled: true
    endpoints:
      - { name: ok, url: "${receiverUrl}/ok", events: [implementation_failed, implementation_completed] }
      - { name: broken, url: "${receiverUrl}/broken", events: [implementation_failed], retry_count: 1 }
`);
}

describe('threadline notify', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  it('--direct delivers from a spec file without Redis and exits 1 with a per-destination summary when one fails', async () => {
    const receiver = await new WebhookReceiver().start();
    cleanup.push(() => receiver.stop());
    // /ok answers 200; /broken answers 500 twice (its one retry included).
    receiver.respondWith({ status: 200 }, { status: 500 }, { status: 500 });
    const file = configFile(uniquePrefix('notify'), receiver.url, 'redis://127.0.0.1:1');
    const result = await cli(
      [
        'notify',
        '--config',
        file,
        '--event',
        'implementation_failed',
        '--spec',
        'test/fixtures/FEAT-0001.yaml',
        '--pr',
        '42',
        '--error',
        'Schema validation failed',
        '--direct',
      ],
      { GITHUB_REPOSITORY: 'org/repo' },
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^event \S+ \(implementation_failed\): 2 destination\(s\)/);
    expect(result.out).toContain('✔ webhooks.ok: delivered to webhook endpoint "ok" (200)');
    expect(result.out).toContain(
      '✘ webhooks.broken: webhook endpoint "broken" answered 500 (after 2 attempt(s))',
    );
    const okRequest = receiver.requests.find((r) => r.path === '/ok')!;
    expect(JSON.parse(okRequest.body)).toMatchObject({
      event: 'implementation_failed',
      spec: {
        id: 'FEAT-0001',
        title: 'User Authentication',
        file: 'test/fixtures/FEAT-0001.yaml',
        status: 'implemented',
      },
      pr: { number: 42, url: 'https://github.com/org/repo/pull/42' },
      repository: { owner: 'org', name: 'repo' },
      error: 'Schema validation failed',
    });
  });

  it('--direct exits 0 when every destination took the event', async () => {
    const receiver = await new WebhookReceiver().start();
    cleanup.push(() => receiver.stop());
    const file = configFile(uniquePrefix('notify'), receiver.url);
    const payload = writeConfigFile('{}').replace(/specs\.config\.yaml$/, 'payload.json');
    writeFileSync(
      payload,
      JSON.stringify({ event: 'ignored', spec: { id: 'FEAT-0009', title: 'Payments' }, pr: { number: 7 } }),
    );
    const result = await cli([
      'notify',
      '--config',
      file,
      '--event',
      'implementation_completed',
      '--payload',
      payload,
      '--direct',
    ]);
    expect(result.code).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
      event: 'implementation_completed',
      spec: { id: 'FEAT-0009' },
    });
  });

  it('queues the event in Redis by default, and a repeated --id is queued once', async () => {
    const prefix = uniquePrefix('notify');
    cleanup.push(() => dropPrefix(prefix));
    const file = configFile(prefix, 'http://127.0.0.1:9');
    const args = [
      'notify',
      '--config',
      file,
      '--event',
      'implementation_failed',
      '--spec',
      'test/fixtures/FEAT-0001.yaml',
      '--id',
      'ci-run-1',
    ];
    expect(await cli(args)).toMatchObject({ code: 0, out: 'queued event ci-run-1 (implementation_failed)' });
    expect(await cli(args)).toMatchObject({
      code: 0,
      out: 'already queued event ci-run-1 (implementation_failed)',
    });
    const redis = testRedis();
    const queues = new QueueSet(redis, prefix);
    try {
      // Routed when queued: one delivery per destination that listens, under its delivery id.
      for (const key of ['webhooks.ok', 'webhooks.broken']) {
        const queue = queues.delivery(key);
        expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
        expect(await queue.getJobState(`ci-run-1.${key}`)).toBe('waiting');
      }
    } finally {
      await queues.close();
      redis.disconnect();
    }
  });

  it('says how to fall back when the queue is unreachable', async () => {
    const file = configFile(uniquePrefix('notify'), 'http://127.0.0.1:9', 'redis://127.0.0.1:1');
    const result = await cli([
      'notify',
      '--config',
      file,
      '--event',
      'implementation_failed',
      '--spec',
      'test/fixtures/FEAT-0001.yaml',
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('run again with --direct');
  });

  it('refuses an unknown event, a missing spec source and an unreadable spec file', async () => {
    const file = configFile(uniquePrefix('notify'), 'http://127.0.0.1:9');
    expect(
      await cli(['notify', '--config', file, '--event', 'spec_exploded', '--spec', 'x.yaml']),
    ).toMatchObject({ code: 2 });
    expect((await cli(['notify', '--config', file, '--event', 'spec_created'])).err).toContain(
      'give exactly one of --spec FILE or --payload FILE',
    );
    const missing = await cli([
      'notify',
      '--config',
      file,
      '--event',
      'spec_created',
      '--spec',
      '/nonexistent.yaml',
      '--direct',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('cannot read spec file /nonexistent.yaml');
  });

  it('suggests the closest event name for a misspelt --event, as validate does for the config', async () => {
    const file = configFile(uniquePrefix('notify'), 'http://127.0.0.1:9');
    const result = await cli([
      'notify',
      '--config',
      file,
      '--event',
      'implementaton_failed',
      '--spec',
      'test/fixtures/FEAT-0001.yaml',
    ]);
    expect(result).toMatchObject({
      code: 2,
      err: '--event: unknown event "implementaton_failed" (did you mean "implementation_failed"?)',
    });
  });

  it('says which payload field has the wrong type', async () => {
    const file = configFile(uniquePrefix('notify'), 'http://127.0.0.1:9');
    const payload = writeConfigFile('{}').replace(/specs\.config\.yaml$/, 'payload.json');
    writeFileSync(payload, JSON.stringify({ spec: { id: 42 } }));
    const result = await cli([
      'notify',
      '--config',
      file,
      '--event',
      'spec_created',
      '--payload',
      payload,
      '--direct',
    ]);
    expect(result).toMatchObject({ code: 2, err: 'payload spec.id: must be a string, got number' });
  });
});
