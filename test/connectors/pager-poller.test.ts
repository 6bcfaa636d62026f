import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPolledPager } from '../../src/connectors/paging/pager.js';
import { PollState } from '../../src/connectors/paging/poll-state.js';
import { PagerPoller } from '../../src/connectors/paging/poller.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { HttpClient } from '../../src/net/http-client.js';
import { IncidentStore } from '../../src/workflows/incidents.js';
import { API_TOKEN, FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';

describe('one status poll of a pager at a time', () => {
  const prefix = uniquePrefix('pager-poller');
  const http = new HttpClient({ allowPrivateNetworks: true });
  const redisA = testRedis();
  const redisB = testRedis();
  let fake: FakePagerDuty;

  beforeAll(async () => {
    fake = await FakePagerDuty.start();
  });

  afterAll(async () => {
    await fake?.close();
    await http.close();
    redisA.disconnect();
    redisB.disconnect();
    await dropPrefix(prefix);
  });

  it('two processes ticking at once: one reads the pager, the other leaves the tick to it', async () => {
    const loaded = testConfig(
      prefix,
      `integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    api_token: "${API_TOKEN}"
    events_url: "${fake.eventsUrl}"
    api_url: "${fake.baseUrl}"
`,
    );
    const registry = await ConnectorRegistry.fromConfig(loaded.config, { http });
    const pager = registry.get('pagerduty');
    if (!pager || !isPolledPager(pager)) throw new Error('PagerDuty cannot be polled');
    const { logger } = capturingLogger(loaded);
    // Nothing changed at the pager, so nothing may be handed on.
    const sink = {
      accept: () => Promise.reject(new Error('no change was made pager-side; nothing may be fed in')),
    };
    const processA = new PagerPoller({
      state: new PollState(redisA, prefix),
      incidents: new IncidentStore(redisA, prefix),
      sink,
      logger,
    });
    const processB = new PagerPoller({
      state: new PollState(redisB, prefix),
      incidents: new IncidentStore(redisB, prefix),
      sink,
      logger,
    });
    const { incident } = await new IncidentStore(redisA, prefix).create(
      { title: 'checkout 500s', severity: 'critical', by: 'test' },
      `poller-${prefix}`,
    );
    await pager.trigger({ dedupKey: `threadline:incident:${incident.id}`, summary: incident.title });
    await new PollState(redisA, prefix).track('pagerduty', incident.id);

    const outcomes = await Promise.all([processA.poll(pager), processB.poll(pager)]);

    expect(outcomes.sort()).toEqual(['busy', 'polled']);
    expect(fake.incidentReads()).toHaveLength(1);
    expect(await new PollState(redisA, prefix).read('pagerduty')).toMatchObject({
      ticks: 1,
      outcome: 'polled',
    });
    await registry.close();
  });
});
