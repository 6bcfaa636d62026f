import { DATADOG_API_KEY, datadogRateLimited, FakeDatadog } from '../fakes/datadog.js';
import type { ProviderReply } from '../fakes/scripted-provider.js';
import { type ConnectorFake, type ContractOutcome, runConnectorContract } from './connector.contract.js';

const APP_KEY = 'ddapp0123456789abcdef0123456789abcdef0123';
const WRONG_KEY = 'dd-wrong-key-000000000000000000000';

/**
 * Datadog is two destinations, `datadog.metrics` (POST /api/v2/series) and `datadog.events`
 * (POST /api/v1/events), each one request per delivery; the suite runs for each with the other
 * switched off. check() asks GET /api/v1/validate, so a refused key is reported unhealthy.
 */
function datadogSubject(kind: 'metrics' | 'events') {
  const path = kind === 'metrics' ? '/api/v2/series' : '/api/v1/events';
  return {
    label: `Datadog ${kind}`,
    key: `datadog.${kind}`,
    event: 'implementation_failed' as const,
    authKey: 'integrations.datadog.api_key',
    rateLimit: true as const,
    deliveryIdOnTheWire: false,
    unhealthy: {
      breakYaml: (good: string) => good.replace('${DATADOG_API_KEY}', WRONG_KEY),
      detail: /refused our credentials \(403\).*integrations\.datadog\.api_key/,
    },
    async start(): Promise<ConnectorFake> {
      const datadog = await FakeDatadog.start();
      return {
        env: { DATADOG_API_KEY, DATADOG_APP_KEY: APP_KEY },
        secrets: [DATADOG_API_KEY, APP_KEY],
        integrationYaml: ({ event, retryCount, timeoutMs }) => `  datadog:
    enabled: true
    api_url: "${datadog.baseUrl}"
    api_key: "\${DATADOG_API_KEY}"
    app_key: "\${DATADOG_APP_KEY}"
    send_metrics: ${kind === 'metrics'}
    send_events: ${kind === 'events'}
    metric_prefix: "spec_ingestion"
    event_tags: ["team:platform", "env:production"]
    events: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
        script: (...outcomes) => datadog.provider.reply(...outcomes.map(answer)),
        received: () => datadog.requestsTo(path).map((r) => ({ at: r.at })),
        stop: () => datadog.close(),
      };
    },
  };
}

runConnectorContract(datadogSubject('metrics'));
runConnectorContract(datadogSubject('events'));

/** Datadog answers errors as `{ errors: [...] }`; a bad key is 403; a rate limit carries X-RateLimit-Reset. */
function answer(outcome: ContractOutcome): ProviderReply {
  switch (outcome.kind) {
    case 'ok':
      return { status: 202, body: { errors: [] } };
    case 'server_error':
      return { status: 500, body: { errors: [outcome.says ?? 'Internal Server Error'] } };
    case 'rate_limited':
      return datadogRateLimited(outcome.retryAfterSeconds);
    case 'rejected':
      return { status: 400, body: { errors: [outcome.says] } };
    case 'auth_failed':
      return { status: 403, body: { errors: [outcome.says ?? 'Forbidden'] } };
    case 'hang':
      return { hang: true };
  }
}
