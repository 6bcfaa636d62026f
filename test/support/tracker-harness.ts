import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import {
  isTicketingConnector,
  type TicketingConnector,
} from '../../src/connectors/ticketing/ticketing.connector.js';
import { HttpClient } from '../../src/net/http-client.js';
import { dropPrefix, testRedis, uniquePrefix } from './redis.js';

export interface TrackerHarness {
  /** The shared Redis the connectors keep their links and dedup keys in. */
  readonly redis: Redis;
  /**
   * The tracker built from its entry under `integrations:` (YAML indented by two spaces), as
   * the registry builds it from a whole config, closed after the test.
   */
  connector(integration: string): Promise<TicketingConnector>;
}

/**
 * The life of a tracker connector test: before each test its fake provider starts (`start` gets
 * the test's own Redis key prefix) and after it the connectors built, the fake and the keys go.
 * Call it at the top of a test file; `name` is the integration's key in the config and registry.
 */
export function trackerHarness(options: {
  name: string;
  /** The key prefix's label; the integration's name when not given. */
  label?: string;
  start: (prefix: string) => Promise<{ close(): Promise<void> }>;
}): TrackerHarness {
  const http = new HttpClient({ allowPrivateNetworks: true });
  const redis = testRedis();
  const open: ConnectorRegistry[] = [];
  let fake: { close(): Promise<void> } | undefined;
  let prefix = '';

  beforeEach(async () => {
    prefix = uniquePrefix(options.label ?? options.name);
    fake = await options.start(prefix);
  });
  afterEach(async () => {
    for (const registry of open.splice(0)) await registry.close();
    await fake?.close();
    await dropPrefix(prefix);
  });
  afterAll(async () => {
    redis.disconnect();
    await http.close();
  });

  return {
    redis,
    async connector(integration) {
      const { config } = parseConfigText(
        `
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
queue: { retry_count: 2, request_timeout_ms: 3000 }
integrations:
${integration}
`,
        {},
      );
      const registry = await ConnectorRegistry.fromConfig(config, {
        http,
        redis: () => ({ client: redis, prefix }),
      });
      open.push(registry);
      const found = registry.get(options.name);
      if (!isTicketingConnector(found)) throw new Error(`${options.name} is not a ticketing connector`);
      return found;
    },
  };
}
