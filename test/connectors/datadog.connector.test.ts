import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connectors/connector.js';
import { datadogBaseUrl } from '../../src/connectors/datadog/api.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { ConfigError, RateLimitedError } from '../../src/core/errors.js';
import { EventPayload, type StoredEvent } from '../../src/core/payload.js';
import { HttpClient } from '../../src/net/http-client.js';
import { DATADOG_API_KEY, datadogRateLimited, FakeDatadog } from '../fakes/datadog.js';
import { testConfig } from '../support/config.js';

const http = new HttpClient({ allowPrivateNetworks: true });
afterAll(() => http.close());
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

/** An event accepted a few seconds ago, so Datadog takes its time as current. */
function accepted(payload: Record<string, unknown>, id = 'evt-dd-1'): StoredEvent {
  const receivedAt = Date.now() - 5_000;
  const timestamp = new Date(receivedAt - 60_000).toISOString();
  const parsed = EventPayload.parse({ id, timestamp, ...payload });
  return { id, receivedAt, payload: { ...parsed, id, timestamp } };
}

const FAILED = {
  event: 'implementation_failed',
  spec: { id: 'FEAT-0001', title: 'User Authentication' },
  repository: { owner: 'Acme', name: 'Specs' },
  error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
};

async function datadogWith(block: string) {
  const datadog = await FakeDatadog.start();
  running.push(() => datadog.close());
  const yaml = `integrations:
  datadog:
    enabled: true
    api_url: "${datadog.baseUrl}"
    api_key: "\${DATADOG_API_KEY}"
${block}`;
  const { config } = testConfig('unused', yaml, { DATADOG_API_KEY });
  const registry = await ConnectorRegistry.fromConfig(config, { http });
  running.push(() => registry.close());
  const connector = (key: string): Connector => {
    const found = registry.get(key);
    if (!found) throw new Error(`no connector ${key}`);
    return found;
  };
  return { datadog, registry, connector };
}

describe('Datadog metrics', () => {
  it("submits the guide's counters under metric_prefix, tagged with event_tags and the event, with DD-API-KEY", async () => {
    const { datadog, connector } = await datadogWith(`    send_events: false
    metric_prefix: "spec_ingestion"
    event_tags: ["team:platform", "env:production"]
`);
    const event = accepted({ ...FAILED, duration_seconds: 42.5 });
    const receipt = await connector('datadog.metrics').deliver(event, {
      deliveryId: 'evt-dd-1.datadog.metrics',
      attempt: 1,
    });

    const [request] = datadog.requestsTo('/api/v2/series');
    expect(request?.headers['dd-api-key']).toBe(DATADOG_API_KEY);
    const [payload] = datadog.series();
    const tags = [
      'team:platform',
      'env:production',
      'event:implementation_failed',
      'outcome:failure',
      'repository:acme/specs',
    ];
    const at = Math.floor(event.receivedAt / 1000);
    expect(payload?.series).toEqual([
      { metric: 'spec_ingestion.processed', type: 1, points: [{ timestamp: at, value: 1 }], tags },
      { metric: 'spec_ingestion.failure', type: 1, points: [{ timestamp: at, value: 1 }], tags },
      {
        metric: 'spec_ingestion.duration',
        type: 3,
        points: [{ timestamp: at, value: 42.5 }],
        tags,
        unit: 'second',
      },
    ]);
    expect(receipt.summary).toContain('spec_ingestion.processed');
  });

  it('counts a completed implementation as processed and success, and sends no duration the event does not carry', async () => {
    const { datadog, connector } = await datadogWith(`    send_events: false
    metric_prefix: "ci.specs"
`);
    await connector('datadog.metrics').deliver(
      accepted({ event: 'implementation_completed', spec: { id: 'FEAT-0002' } }),
      {
        deliveryId: 'd1',
        attempt: 1,
      },
    );
    expect(datadog.series()[0]?.series.map((s) => [s.metric, s.type])).toEqual([
      ['ci.specs.processed', 1],
      ['ci.specs.success', 1],
    ]);
  });

  it('takes only the events that end a run, while the events destination takes every event', async () => {
    const { registry } = await datadogWith('');
    expect(registry.keys()).toEqual(['datadog.metrics', 'datadog.events']);
    expect(registry.route('implementation_failed').map((c) => c.key)).toEqual([
      'datadog.metrics',
      'datadog.events',
    ]);
    expect(registry.route('spec_created').map((c) => c.key)).toEqual(['datadog.events']);
    expect(registry.route('validation_failed').map((c) => c.key)).toEqual(['datadog.events']);
  });

  it('submits the same point time on a retry, so a resubmission lands on the same second', async () => {
    const { datadog, connector } = await datadogWith('    send_events: false\n');
    const event = accepted(FAILED);
    await connector('datadog.metrics').deliver(event, { deliveryId: 'd1', attempt: 1 });
    await connector('datadog.metrics').deliver(event, { deliveryId: 'd1', attempt: 2 });
    const [first, second] = datadog.series();
    expect(second?.series).toEqual(first?.series);
  });

  it("honours Datadog's X-RateLimit-Reset on a 429, which carries no Retry-After", async () => {
    const { datadog, connector } = await datadogWith('    send_events: false\n');
    datadog.provider.reply(datadogRateLimited(7));
    const attempt = connector('datadog.metrics').deliver(accepted(FAILED), { deliveryId: 'd1', attempt: 1 });
    await expect(attempt).rejects.toBeInstanceOf(RateLimitedError);
    await expect(attempt).rejects.toMatchObject({ retryAfterMs: 7_000 });
  });
});

describe('Datadog events', () => {
  it('posts one event with the outcome as alert type, event_tags plus spec_id, grouped per spec', async () => {
    const { datadog, connector } = await datadogWith(`    send_metrics: false
    event_tags: ["team:platform"]
`);
    const event = accepted({
      ...FAILED,
      branch: 'feat/auth',
      pr: { number: 42, url: 'https://github.com/acme/specs/pull/42' },
    });
    const receipt = await connector('datadog.events').deliver(event, {
      deliveryId: 'evt-dd-1.datadog.events',
      attempt: 1,
    });

    const [body] = datadog.events();
    expect(body).toMatchObject({
      title: 'Spec Implementation Failed: FEAT-0001 User Authentication',
      alert_type: 'error',
      priority: 'normal',
      aggregation_key: 'FEAT-0001',
      date_happened: Math.floor(Date.parse(event.payload.timestamp) / 1000),
      tags: [
        'team:platform',
        'event:implementation_failed',
        'outcome:failure',
        'repository:acme/specs',
        'spec_id:feat-0001',
      ],
    });
    expect(body?.text.split('\n')).toEqual([
      'ID: FEAT-0001',
      'Title: User Authentication',
      'Branch: feat/auth',
      'PR: #42 https://github.com/acme/specs/pull/42',
      'Repository: Acme/Specs',
      'Error: Schema validation failed',
      'Logs: https://ci.example.com/runs/7',
      'Event id: evt-dd-1',
    ]);
    expect(receipt.reference).toMatch(/^\d+$/);
  });

  it('maps success to a success event and keeps long text within the API limits', async () => {
    const { datadog, connector } = await datadogWith('    send_metrics: false\n');
    await connector('datadog.events').deliver(
      accepted({
        event: 'implementation_completed',
        spec: { id: 'FEAT-0003', title: 'T'.repeat(300) },
        error: 'x'.repeat(9000),
      }),
      { deliveryId: 'd1', attempt: 1 },
    );
    const [body] = datadog.events();
    expect(body?.alert_type).toBe('success');
    expect(body?.title.length).toBeLessThanOrEqual(100);
    expect(body?.text.length).toBeLessThanOrEqual(4000);
  });

  it('leaves out date_happened for an event older than Datadog accepts', async () => {
    const { datadog, connector } = await datadogWith('    send_metrics: false\n');
    const old = accepted(FAILED);
    old.payload.timestamp = '2020-01-01T00:00:00Z';
    await connector('datadog.events').deliver(old, { deliveryId: 'd1', attempt: 1 });
    expect(datadog.events()[0]).not.toHaveProperty('date_happened');
  });
});

describe('Datadog configuration', () => {
  it('addresses api.<site> for each Datadog site unless api_url is set', () => {
    expect(datadogBaseUrl({ site: 'datadoghq.com' })).toBe('https://api.datadoghq.com');
    expect(datadogBaseUrl({ site: 'datadoghq.eu' })).toBe('https://api.datadoghq.eu');
    expect(datadogBaseUrl({ site: 'us5.datadoghq.com' })).toBe('https://api.us5.datadoghq.com');
    expect(datadogBaseUrl({ site: 'datadoghq.com', api_url: 'https://dd-proxy.internal/' })).toBe(
      'https://dd-proxy.internal',
    );
  });

  it('refuses a block that sends neither metrics nor events', () => {
    const yaml = `integrations:
  datadog: { enabled: true, api_key: "k", send_metrics: false, send_events: false }
`;
    expect(() => testConfig('unused', yaml)).toThrow(ConfigError);
    expect(() => testConfig('unused', yaml)).toThrow(/integrations\.datadog\.send_metrics/);
  });

  it('reports the API key as checked by GET /api/v1/validate, without sending data', async () => {
    const { datadog, connector } = await datadogWith('');
    const health = await connector('datadog.metrics').check();
    expect(health).toMatchObject({ ok: true });
    expect(health.detail).toContain('API key valid');
    expect(datadog.requestsTo('/api/v1/validate')).toHaveLength(1);
    expect(datadog.requestsTo('/api/v2/series')).toHaveLength(0);
  });

  it('reports a refused key unhealthy, naming the setting and never the key Datadog echoes', async () => {
    const { datadog, connector } = await datadogWith('');
    datadog.provider.reply({ status: 403, body: { errors: [`Forbidden: ${DATADOG_API_KEY}`] } });
    const health = await connector('datadog.events').check();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('integrations.datadog.api_key (DATADOG_API_KEY)');
    expect(health.detail).not.toContain(DATADOG_API_KEY);
  });

  it('reports a metrics destination that none of its events can feed', async () => {
    const { connector } = await datadogWith('    events: [spec_created]\n');
    expect(await connector('datadog.metrics').check()).toEqual({
      ok: false,
      detail: 'datadog.metrics is subscribed to no event that it can send',
    });
  });
});
