import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { parseDsn } from '../../src/connectors/sentry/dsn.js';
import { sentryRateLimitMs } from '../../src/connectors/sentry/envelope.js';
import { sentryEventId } from '../../src/connectors/sentry/event.js';
import { ConfigError, RateLimitedError } from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import {
  FakeSentry,
  parseEnvelope,
  SENTRY_PROJECT_ID,
  SENTRY_PUBLIC_KEY,
  sentryRateLimited,
} from '../fakes/sentry.js';
import { testConfig } from '../support/config.js';
import { stored } from './support.js';

const http = new HttpClient({ allowPrivateNetworks: true });
afterAll(() => http.close());
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function sentryWith(block = '    report_on: [implementation_failed, validation_failed]\n') {
  const sentry = await FakeSentry.start();
  running.push(() => sentry.close());
  const yaml = `integrations:
  sentry:
    enabled: true
    environment: "staging"
${block}`;
  const { config } = testConfig('unused', yaml, { SENTRY_DSN: sentry.dsn });
  const registry = await ConnectorRegistry.fromConfig(config, { http });
  running.push(() => registry.close());
  const connector = registry.get('sentry');
  if (!connector) throw new Error('no sentry connector');
  return { sentry, connector, registry };
}

const FAILED = {
  event: 'implementation_failed',
  spec: { id: 'FEAT-0001', title: 'User Authentication', file: 'specs/features/FEAT-0001.yaml' },
  pr: { number: 42, url: 'https://github.com/acme/specs/pull/42' },
  repository: { owner: 'acme', name: 'specs' },
  branch: 'spec/feat-0001',
  error: {
    message: 'Schema validation failed:\nfield owner is required',
    logs_url: 'https://ci.example.com/runs/7',
  },
};

describe('Sentry events', () => {
  it('reports an event to the envelope endpoint derived from the DSN, authenticated with its public key', async () => {
    const { sentry, connector } = await sentryWith();
    const receipt = await connector.deliver(stored(FAILED), { deliveryId: 'evt-1.sentry', attempt: 1 });

    const [request] = sentry.posts();
    expect(request?.path).toBe(`/api/${SENTRY_PROJECT_ID}/envelope/`);
    expect(request?.headers['content-type']).toBe('application/x-sentry-envelope');
    expect(request?.headers['x-sentry-auth']).toBe(
      `Sentry sentry_version=7, sentry_key=${SENTRY_PUBLIC_KEY}, sentry_client=threadline/1`,
    );
    const envelope = parseEnvelope(request?.raw ?? '');
    expect(envelope.header.event_id).toBe(sentryEventId('evt-1.sentry'));
    expect(envelope.items.map((i) => i.header)).toEqual([
      { type: 'event', content_type: 'application/json', length: expect.any(Number) },
    ]);
    expect(receipt.reference).toBe(sentryEventId('evt-1.sentry'));
  });

  it('carries spec id, event and error as tags, the error as the exception, and the spec as context', async () => {
    const { sentry, connector } = await sentryWith();
    await connector.deliver(stored(FAILED), { deliveryId: 'evt-1.sentry', attempt: 1 });
    const [event] = sentry.events();
    expect(event).toMatchObject({
      level: 'error',
      environment: 'staging',
      platform: 'other',
      logger: 'threadline',
      timestamp: Date.parse('2026-11-22T10:00:00Z') / 1000,
      tags: {
        spec_id: 'FEAT-0001',
        event: 'implementation_failed',
        error: 'Schema validation failed: field owner is required',
        repository: 'acme/specs',
      },
      fingerprint: ['threadline', 'implementation_failed', 'FEAT-0001'],
      logentry: {
        formatted:
          'Spec Implementation Failed: FEAT-0001 User Authentication\nSchema validation failed:\nfield owner is required',
      },
      exception: {
        values: [
          {
            type: 'SpecImplementationFailed',
            value: 'Schema validation failed:\nfield owner is required',
            mechanism: { type: 'threadline', handled: true },
          },
        ],
      },
      contexts: {
        spec: { id: 'FEAT-0001', title: 'User Authentication', file: 'specs/features/FEAT-0001.yaml' },
        pull_request: { number: 42, url: 'https://github.com/acme/specs/pull/42' },
        repository: { name: 'acme/specs', branch: 'spec/feat-0001' },
        threadline: {
          delivery_id: 'evt-1.sentry',
          event_id: 'evt-1',
          logs_url: 'https://ci.example.com/runs/7',
        },
      },
    });
  });

  it('sends every attempt of one delivery as the same Sentry event id, and different deliveries as different ones', async () => {
    const { sentry, connector } = await sentryWith();
    await connector.deliver(stored(FAILED), { deliveryId: 'evt-1.sentry', attempt: 1 });
    await connector.deliver(stored(FAILED), { deliveryId: 'evt-1.sentry', attempt: 2 });
    await connector.deliver(stored(FAILED, 'evt-2'), { deliveryId: 'evt-2.sentry', attempt: 1 });
    const ids = sentry.events().map((e) => e.event_id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('reports only the report_on events, at the level of their outcome', async () => {
    const { sentry, connector, registry } = await sentryWith(
      '    report_on: [validation_failed, cost_threshold_exceeded]\n',
    );
    expect(registry.route('implementation_failed')).toEqual([]);
    expect(registry.route('validation_failed').map((c) => c.key)).toEqual(['sentry']);
    await connector.deliver(stored({ event: 'cost_threshold_exceeded', spec: { id: 'FEAT-0009' } }), {
      deliveryId: 'd',
      attempt: 1,
    });
    expect(sentry.events()[0]).toMatchObject({
      level: 'warning',
      tags: { event: 'cost_threshold_exceeded', spec_id: 'FEAT-0009' },
    });
    expect(sentry.events()[0]).not.toHaveProperty('exception');
  });

  it('keeps tag values to one line of at most 200 characters', async () => {
    const { sentry, connector } = await sentryWith();
    await connector.deliver(stored({ event: 'implementation_failed', error: `first\n${'x'.repeat(500)}` }), {
      deliveryId: 'd',
      attempt: 1,
    });
    const error = sentry.events()[0]?.tags;
    expect(error).toBeDefined();
    const value = (error as Record<string, string>).error ?? '';
    expect(value.length).toBeLessThanOrEqual(200);
    expect(value).not.toContain('\n');
  });

  it('waits what X-Sentry-Rate-Limits asks of error events on a 429', async () => {
    const { sentry, connector } = await sentryWith();
    sentry.provider.reply({
      status: 429,
      headers: { 'x-sentry-rate-limits': '120:transaction:key, 30:error;default:project' },
      body: '',
    });
    const attempt = connector.deliver(stored(FAILED), { deliveryId: 'd', attempt: 1 });
    await expect(attempt).rejects.toBeInstanceOf(RateLimitedError);
    await expect(attempt).rejects.toMatchObject({ retryAfterMs: 30_000 });
    sentry.provider.reply(sentryRateLimited(4));
    await expect(connector.deliver(stored(FAILED), { deliveryId: 'd', attempt: 1 })).rejects.toMatchObject({
      retryAfterMs: 4_000,
    });
  });
});

describe('Sentry DSN', () => {
  it('derives the envelope URL from the DSN, keeping a path prefix', () => {
    expect(parseDsn('https://abc123@o0.ingest.sentry.io/4505')).toMatchObject({
      publicKey: 'abc123',
      host: 'o0.ingest.sentry.io',
      projectId: '4505',
      envelopeUrl: 'https://o0.ingest.sentry.io/api/4505/envelope/',
    });
    expect(parseDsn('https://abc123@sentry.example.com/sentry/7')?.envelopeUrl).toBe(
      'https://sentry.example.com/sentry/api/7/envelope/',
    );
    expect(parseDsn('https://abc123:legacysecret@o0.ingest.sentry.io/4505')).toMatchObject({
      publicKey: 'abc123',
      secretKey: 'legacysecret',
    });
    expect(parseDsn('https://%E0%A4%A@o0.ingest.sentry.io/4505')).toBeUndefined();
    expect(parseDsn('https://o0.ingest.sentry.io/4505')).toBeUndefined();
    expect(parseDsn('https://abc@o0.ingest.sentry.io/')).toBeUndefined();
    expect(parseDsn('not a dsn')).toBeUndefined();
  });

  it('refuses a DSN that is not one, naming the key and never the value', () => {
    const dsn = 'https://secretpublickey0123@sentry.example.com/not-a-project';
    const load = () =>
      testConfig(
        'unused',
        'integrations:\n  sentry: { enabled: true, report_on: [implementation_failed] }\n',
        { SENTRY_DSN: dsn },
      );
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/integrations\.sentry\.dsn: is not a Sentry DSN/);
    try {
      load();
    } catch (error) {
      expect(String(error)).not.toContain('secretpublickey0123');
    }
  });

  it('reads the longest wait for error events from X-Sentry-Rate-Limits', () => {
    expect(sentryRateLimitMs('60:error;transaction:key')).toBe(60_000);
    expect(sentryRateLimitMs('10::organization, 20:error:project')).toBe(20_000);
    expect(sentryRateLimitMs('90:transaction:key')).toBeUndefined();
    expect(sentryRateLimitMs(undefined)).toBeUndefined();
  });

  it('reports a good DSN healthy with its project and host, without sending', async () => {
    const { sentry, connector } = await sentryWith();
    const health = await connector.check();
    expect(health.ok).toBe(true);
    expect(health.detail).toContain(`project ${SENTRY_PROJECT_ID} at 127.0.0.1`);
    expect(health.detail).not.toContain(SENTRY_PUBLIC_KEY);
    expect(sentry.provider.requests).toHaveLength(0);
  });
});
