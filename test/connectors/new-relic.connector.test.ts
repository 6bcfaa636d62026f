import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { collectorUrl, EU_COLLECTOR, keyKind, US_COLLECTOR } from '../../src/connectors/new-relic/api.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import type { StoredEvent } from '../../src/core/payload.js';
import { HttpClient } from '../../src/net/http-client.js';
import { FakeNewRelic, NEW_RELIC_ACCOUNT_ID, NEW_RELIC_LICENSE_KEY } from '../fakes/new-relic.js';
import { testConfig } from '../support/config.js';
import { stored } from './support.js';

const http = new HttpClient({ allowPrivateNetworks: true });
afterAll(() => http.close());
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

/** An event sent a minute ago. */
function recent(payload: Record<string, unknown>): StoredEvent {
  const event = stored(payload);
  event.payload.timestamp = new Date(Date.now() - 60_000).toISOString();
  return event;
}

async function newRelicWith(key: string, extra = '') {
  const newRelic = await FakeNewRelic.start({ licenseKey: key });
  running.push(() => newRelic.close());
  const yaml = `integrations:
  new_relic:
    enabled: true
    api_url: "${newRelic.baseUrl}"
    account_id: "${NEW_RELIC_ACCOUNT_ID}"
    event_type: "SpecIngestion"
${extra}`;
  const { config } = testConfig('unused', yaml, { NEW_RELIC_API_KEY: key });
  const registry = await ConnectorRegistry.fromConfig(config, { http });
  running.push(() => registry.close());
  const connector = registry.get('new_relic');
  if (!connector) throw new Error('no new_relic connector');
  return { newRelic, connector, registry };
}

describe('New Relic custom events', () => {
  it("sends one SpecIngestion event with spec_id and outcome, queryable as the guide's NRQL example", async () => {
    const { newRelic, connector } = await newRelicWith(NEW_RELIC_LICENSE_KEY);
    const event = recent({
      event: 'implementation_failed',
      spec: { id: 'FEAT-0001', title: 'User Authentication', file: 'specs/features/FEAT-0001.yaml' },
      pr: { number: 42, url: 'https://github.com/acme/specs/pull/42' },
      repository: { owner: 'acme', name: 'specs' },
      branch: 'spec/feat-0001',
      error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
      duration_seconds: 93,
    });
    const receipt = await connector.deliver(event, { deliveryId: 'evt-1.new_relic', attempt: 1 });

    const [request] = newRelic.posts();
    expect(request?.headers['api-key']).toBe(NEW_RELIC_LICENSE_KEY);
    expect(request?.headers['x-insert-key']).toBeUndefined();
    expect(newRelic.events()).toEqual([
      {
        eventType: 'SpecIngestion',
        timestamp: Date.parse(event.payload.timestamp),
        event: 'implementation_failed',
        outcome: 'failure',
        event_id: 'evt-1',
        delivery_id: 'evt-1.new_relic',
        spec_id: 'FEAT-0001',
        spec_title: 'User Authentication',
        spec_file: 'specs/features/FEAT-0001.yaml',
        pr_number: 42,
        pr_url: 'https://github.com/acme/specs/pull/42',
        repository: 'acme/specs',
        branch: 'spec/feat-0001',
        error: 'Schema validation failed',
        logs_url: 'https://ci.example.com/runs/7',
        duration_seconds: 93,
      },
    ]);
    // SELECT * FROM SpecIngestion WHERE spec_id = 'FEAT-0001': the event type and a flat spec_id.
    const matching = newRelic
      .events()
      .filter((e) => e.eventType === 'SpecIngestion' && e.spec_id === 'FEAT-0001');
    expect(matching).toHaveLength(1);
    expect(receipt.reference).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("leaves an event older than a day to New Relic's time of arrival, so a late replay is still stored", async () => {
    const { newRelic, connector } = await newRelicWith(NEW_RELIC_LICENSE_KEY);
    const old = stored({ event: 'implementation_failed', spec: { id: 'FEAT-0001' } });
    old.payload.timestamp = new Date(Date.now() - 25 * 3600_000).toISOString();
    await connector.deliver(old, { deliveryId: 'd', attempt: 1 });
    expect(newRelic.events()[0]).not.toHaveProperty('timestamp');
    expect(newRelic.events()[0]).toMatchObject({ spec_id: 'FEAT-0001', event_id: 'evt-1' });
  });

  it('sends an insert key (NRII-) as X-Insert-Key', async () => {
    const insertKey = 'NRII-insertkey0123456789abcdefghij';
    const { newRelic, connector } = await newRelicWith(insertKey);
    await connector.deliver(stored({ event: 'spec_created', spec: { id: 'FEAT-0002' } }), {
      deliveryId: 'd',
      attempt: 1,
    });
    expect(newRelic.posts()[0]?.headers['x-insert-key']).toBe(insertKey);
    expect(newRelic.events()[0]).toMatchObject({
      event: 'spec_created',
      outcome: 'info',
      spec_id: 'FEAT-0002',
    });
  });

  it('takes every event by default, or only the listed ones', async () => {
    const all = await newRelicWith(NEW_RELIC_LICENSE_KEY);
    expect(all.registry.route('pr_merged').map((c) => c.key)).toEqual(['new_relic']);
    const some = await newRelicWith(NEW_RELIC_LICENSE_KEY, '    events: [implementation_failed]\n');
    expect(some.registry.route('pr_merged')).toEqual([]);
    expect(some.registry.route('implementation_failed').map((c) => c.key)).toEqual(['new_relic']);
  });

  it('keeps attribute values within the 4096 characters the Event API stores', async () => {
    const { newRelic, connector } = await newRelicWith(NEW_RELIC_LICENSE_KEY);
    await connector.deliver(stored({ event: 'implementation_failed', error: 'e'.repeat(9000) }), {
      deliveryId: 'd',
      attempt: 1,
    });
    expect(String(newRelic.events()[0]?.error).length).toBeLessThanOrEqual(4096);
  });
});

describe('New Relic keys and regions', () => {
  it('tells license, insert and user keys apart by their prefixes', () => {
    expect(keyKind(NEW_RELIC_LICENSE_KEY)).toBe('license');
    expect(keyKind('NRII-abc')).toBe('insert');
    expect(keyKind('NRAK-abc')).toBe('user');
  });

  it('sends to the EU collector for an EU license key, to api_url when set, else to the US collector', () => {
    expect(collectorUrl({}, NEW_RELIC_LICENSE_KEY)).toBe(US_COLLECTOR);
    expect(collectorUrl({}, 'eu01xx0123456789abcdef0123456789abcdNRAL')).toBe(EU_COLLECTOR);
    expect(collectorUrl({ api_url: 'https://insights-collector.eu01.nr-data.net/' }, 'NRII-x')).toBe(
      EU_COLLECTOR,
    );
  });

  it('reports a good key healthy with its region and account, without sending', async () => {
    const { newRelic, connector } = await newRelicWith(NEW_RELIC_LICENSE_KEY);
    const health = await connector.check();
    expect(health.ok).toBe(true);
    expect(health.detail).toContain(`account ${NEW_RELIC_ACCOUNT_ID}, event type SpecIngestion`);
    expect(newRelic.provider.requests).toHaveLength(0);
  });
});
