import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { specEvent, startWebhookApp, type TestApp } from '../support/app.js';
import { writeConfigFile } from '../support/child.js';
import { cli } from '../support/cli.js';
import { EVENTS_SECRET } from '../support/config.js';
import { REDIS_URL } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

describe('threadline dlq', () => {
  let app: Awaited<ReturnType<typeof startWebhookApp>>;
  let t: TestApp;
  let receiver: WebhookReceiver;
  let file: string;

  beforeAll(async () => {
    app = await startWebhookApp(
      'dlqcli',
      (url) => `      - { name: audit, url: "${url}/a", events: [pr_merged], retry_count: 0 }\n`,
    );
    ({ t, receiver } = app);
    file = writeConfigFile(
      `redis: { url: "${REDIS_URL}", prefix: "${app.prefix}" }\nsecurity: { allow_private_networks: true }\ninbound: { events: { secret: "${EVENTS_SECRET}" } }\n${app.integrations}\n`,
    );
  });

  afterAll(() => app.stop());

  it('lists dead letters with their last error and replays one, or all, by id', async () => {
    receiver.respondWith({ status: 422, body: 'unknown repository' }, { status: 410 });
    await t.post(specEvent('pr_merged', 'dlqcli-1'));
    await t.post(specEvent('pr_merged', 'dlqcli-2'));
    await waitFor(
      async () => (await t.app.queues.delivery('webhooks.audit').getJobCounts('failed')).failed === 2,
      { what: 'two dead letters' },
    );

    const list = await cli(['dlq', 'list', '--config', file]);
    expect(list.code).toBe(0);
    expect(list.out).toContain('dlqcli-1.webhooks.audit  webhooks.audit  pr_merged FEAT-0001  attempts=1');
    expect(list.out).toContain(
      'last error: webhook endpoint "audit" rejected the request (422): unknown repository',
    );
    expect(list.out).toContain('2 dead letter(s)');

    const json = await cli(['dlq', 'list', '--config', file, '--json', '--integration', 'webhooks.audit']);
    expect(json.out.split('\n').map((l) => JSON.parse(l).id)).toEqual(
      expect.arrayContaining(['dlqcli-1.webhooks.audit', 'dlqcli-2.webhooks.audit']),
    );

    expect(await cli(['dlq', 'replay', 'dlqcli-1.webhooks.audit', '--config', file])).toMatchObject({
      code: 0,
    });
    await waitFor(() => receiver.requests.length === 3, { what: 'the replayed delivery' });
    expect(receiver.requests[2]!.headers['x-delivery-id']).toBe('dlqcli-1.webhooks.audit');

    const all = await cli(['dlq', 'replay', '--all', '--config', file]);
    expect(all.out).toContain('1 dead letter(s) queued again');
    await waitFor(() => receiver.requests.length === 4, { what: 'the second replay' });
    await waitFor(async () => (await cli(['dlq', 'list', '--config', file])).out === 'no dead letters');
  });

  it('says so when an id is not a dead letter', async () => {
    const result = await cli(['dlq', 'replay', 'nope', '--config', file]);
    expect(result).toMatchObject({ code: 1 });
    expect(result.err).toContain('no dead letter with id "nope"');
  });
});
