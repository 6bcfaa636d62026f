import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildIntegrationsSchema,
  deferredIntegrationRequirements,
  describeEnabledIntegrations,
  integrationRequirements,
} from '../../src/config/integrations.js';
import { applyEnvironmentDefaults } from '../../src/config/requirements.js';
import { CONNECTORS } from '../../src/connectors/catalogue.js';
import type { Connector, DeliveryReceipt, HealthResult } from '../../src/connectors/connector.js';
import { defineConnector, deliveryLimits, requiredKey } from '../../src/connectors/definition.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import type { EventName } from '../../src/core/events.js';
import { deliveryCommon, eventList, httpUrl } from '../../src/core/schema-primitives.js';
import { HttpClient } from '../../src/net/http-client.js';
import { testConfig } from '../support/config.js';

/** A destination that only records what it was built with; enough to see the registry create it. */
class BeaconConnector implements Connector {
  readonly key = 'beacon';
  readonly integration = 'beacon';
  readonly humanFacing = false;

  constructor(
    readonly url: string,
    private readonly events: readonly EventName[],
    readonly retryCount: number,
    readonly timeoutMs: number,
  ) {}

  accepts(event: EventName): boolean {
    return this.events.includes(event);
  }

  async deliver(): Promise<DeliveryReceipt> {
    return { summary: `beacon to ${this.url}` };
  }

  async check(): Promise<HealthResult> {
    return { ok: true, detail: this.url };
  }
}

/** A connector that exists only in this test: one folder's worth of definition. */
const beaconConnector = defineConnector({
  name: 'beacon',
  schema: z.strictObject({ ...deliveryCommon, url: httpUrl.optional(), events: eventList.default([]) }),
  environment: { url: 'BEACON_URL' },
  requires(block) {
    return block.url ? [] : [requiredKey('url', 'set BEACON_URL')];
  },
  create(block, context) {
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    return [new BeaconConnector(block.url ?? '', block.events, retryCount, timeoutMs)];
  },
});

/** The same, for a later step: validated, not delivered. */
const lanternConnector = defineConnector({
  name: 'lantern',
  schema: z.strictObject({ ...deliveryCommon }),
  environment: {},
  arrives: 'a test, step 9',
});

/** A later step's integration that already says what it will need. */
const emberConnector = defineConnector({
  name: 'ember',
  schema: z.strictObject({ ...deliveryCommon, key: z.string().optional(), region: z.string().optional() }),
  environment: {},
  requires(block) {
    return [
      ...(block.key ? [] : [requiredKey('key', 'set EMBER_KEY')]),
      ...(block.region === 'moon' ? [{ path: 'region', message: 'is not served yet' }] : []),
    ];
  },
  arrives: 'a test, step 8',
});

const WITH_EXTRAS = [...CONNECTORS, beaconConnector, lanternConnector, emberConnector];
const http = new HttpClient({ allowPrivateNetworks: true });
afterAll(() => http.close());

describe('connectors registered by one list', () => {
  it('builds the integrations schema from the definitions, one block per name', () => {
    const block = { beacon: { enabled: 'true', url: 'https://beacon.example/in', retry_count: '2' } };
    expect(buildIntegrationsSchema(WITH_EXTRAS).parse(block)).toEqual({
      beacon: { enabled: true, url: 'https://beacon.example/in', retry_count: 2, events: [] },
    });
    const withoutIt = buildIntegrationsSchema(CONNECTORS).safeParse(block);
    expect(withoutIt.error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['beacon'] }]);
  });

  it("fills a block's keys from the environment variables its definition names", () => {
    const tree = { integrations: { beacon: { enabled: true } } };
    expect(applyEnvironmentDefaults(tree, { BEACON_URL: 'https://beacon.example/env' }, WITH_EXTRAS)).toEqual(
      {
        integrations: { beacon: { enabled: true, url: 'https://beacon.example/env' } },
      },
    );
    expect(applyEnvironmentDefaults(tree, { BEACON_URL: 'https://beacon.example/env' })).toEqual(tree);
  });

  it("asks each enabled block's definition what it requires, with full key paths", () => {
    const platforms = {};
    const enabled = { beacon: { enabled: true, events: [] }, lantern: { enabled: true } };
    expect(integrationRequirements(enabled, { platforms }, WITH_EXTRAS)).toEqual([
      {
        path: 'integrations.beacon.url',
        message: 'is required when the integration is enabled',
        hint: 'set BEACON_URL',
      },
    ]);
    const disabled = { beacon: { enabled: false, events: [] } };
    expect(integrationRequirements(disabled, { platforms }, WITH_EXTRAS)).toEqual([]);
  });

  it('turns what an undelivered block requires into notices, and leaves errors to delivered blocks', () => {
    const platforms = {};
    const enabled = { beacon: { enabled: true, events: [] }, ember: { enabled: true, region: 'moon' } };
    expect(integrationRequirements(enabled, { platforms }, WITH_EXTRAS)).toEqual([
      {
        path: 'integrations.beacon.url',
        message: 'is required when the integration is enabled',
        hint: 'set BEACON_URL',
      },
    ]);
    expect(deferredIntegrationRequirements(enabled, { platforms }, WITH_EXTRAS)).toEqual([
      {
        path: 'integrations.ember.key',
        message: 'will be required when ember is delivered (a test, step 8)',
        hint: 'set EMBER_KEY',
      },
      {
        path: 'integrations.ember.region',
        message: 'is not served yet, which will matter when ember is delivered (a test, step 8)',
      },
    ]);
    const disabled = { ember: { enabled: false } };
    expect(deferredIntegrationRequirements(disabled, { platforms }, WITH_EXTRAS)).toEqual([]);
  });

  it('creates the connectors of enabled blocks, and none for a definition without a factory', async () => {
    const { config } = testConfig('unused', '');
    const settings = {
      ...config,
      integrations: {
        beacon: { enabled: true, url: 'https://beacon.example/in', events: ['spec_created'] },
        lantern: { enabled: true },
      },
    };
    const registry = await ConnectorRegistry.fromConfig(settings, { http }, WITH_EXTRAS);
    expect(registry.keys()).toEqual(['beacon']);
    expect(registry.get('beacon')).toMatchObject({
      url: 'https://beacon.example/in',
      retryCount: config.queue.retry_count,
      timeoutMs: config.queue.request_timeout_ms,
    });
    expect(registry.route('spec_created').map((c) => c.key)).toEqual(['beacon']);
    expect((await ConnectorRegistry.fromConfig(settings, { http })).keys()).toEqual([]);
  });

  it('lists enabled blocks for validate, marking those this version does not deliver', () => {
    const integrations = { slack: { enabled: true }, beacon: { enabled: true }, lantern: { enabled: true } };
    expect(describeEnabledIntegrations(integrations, WITH_EXTRAS)).toEqual([
      'slack',
      'beacon',
      'lantern (not delivered by this version)',
    ]);
  });

  it("gives every integration of the guide, and Threadline's own log, a definition, and a factory to exactly the delivered ones", () => {
    expect(CONNECTORS.map((d) => [d.name, d.create !== undefined])).toEqual([
      ['slack', true],
      ['teams', true],
      ['discord', true],
      ['email', true],
      ['jira', true],
      ['linear', true],
      ['azure_devops', true],
      ['github_projects', true],
      ['ms_project', true],
      ['pagerduty', true],
      ['opsgenie', true],
      ['datadog', true],
      ['new_relic', true],
      ['sentry', true],
      ['webhooks', true],
      ['log', true],
    ]);
    for (const definition of CONNECTORS.filter((d) => !d.create))
      expect(definition.arrives).toMatch(/step \d/);
  });
});
