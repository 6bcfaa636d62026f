import { FakeNewRelic, NEW_RELIC_ACCOUNT_ID, NEW_RELIC_LICENSE_KEY } from '../fakes/new-relic.js';
import type { ProviderReply } from '../fakes/scripted-provider.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'New Relic Event API',
  key: 'new_relic',
  event: 'implementation_failed',
  authKey: 'integrations.new_relic.api_key',
  rateLimit: true,
  // Every event carries its delivery id as the `delivery_id` attribute.
  deliveryIdOnTheWire: true,
  unhealthy: {
    // A User key (NRAK-…) is a real New Relic key that the Event API refuses.
    breakYaml: (good) => good.replace('${NEW_RELIC_API_KEY}', 'NRAK-USERKEY0123456789ABCDEFGHIJ'),
    detail: /User key.*Ingest - License key/,
  },
  async start() {
    const newRelic = await FakeNewRelic.start();
    return {
      env: { NEW_RELIC_API_KEY: NEW_RELIC_LICENSE_KEY },
      secrets: [NEW_RELIC_LICENSE_KEY],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  new_relic:
    enabled: true
    api_url: "${newRelic.baseUrl}"
    api_key: "\${NEW_RELIC_API_KEY}"
    account_id: "${NEW_RELIC_ACCOUNT_ID}"
    event_type: "SpecIngestion"
    events: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => newRelic.provider.reply(...outcomes.map(answer)),
      received: () =>
        newRelic.posts().map((r) => {
          const [first] = JSON.parse(r.raw) as Array<{ delivery_id?: string }>;
          return { at: r.at, deliveryId: first?.delivery_id };
        }),
      stop: () => newRelic.close(),
    };
  },
});

/** The Event API answers `{ error }` bodies, 403 for a bad key, 429 with Retry-After. */
function answer(outcome: ContractOutcome): ProviderReply {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: { success: true, uuid: crypto.randomUUID() } };
    case 'server_error':
      return { status: 503, body: { error: outcome.says ?? 'Service Unavailable' } };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(outcome.retryAfterSeconds) },
        body: { error: 'Too Many Requests' },
      };
    case 'rejected':
      return { status: 413, body: { error: outcome.says } };
    case 'auth_failed':
      return { status: 403, body: { error: outcome.says ?? 'Missing or invalid API key' } };
    case 'hang':
      return { hang: true };
  }
}
