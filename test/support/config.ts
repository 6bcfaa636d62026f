import { type LoadedConfig, parseConfigText } from '../../src/config/load.js';
import { REDIS_URL } from './redis.js';

export const EVENTS_SECRET = 'test-events-secret-0123456789';

/**
 * A config for tests: loopback destinations allowed, a private key prefix, fast retries.
 * `extra` is YAML appended at the top level (usually an `integrations:` block).
 */
export function testConfig(prefix: string, extra: string, env: Record<string, string> = {}): LoadedConfig {
  const text = `
server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
logging: { level: debug }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
queue: { backoff_base_ms: 20, backoff_max_ms: 200, lock_duration_ms: 2000, stalled_interval_ms: 1000 }
${extra}
`;
  return parseConfigText(text, env);
}
