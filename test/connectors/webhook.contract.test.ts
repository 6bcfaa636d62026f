import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

const env = { WEBHOOK_TOKEN: 'tok-contract-998877', HOOK_SECRET: 'hmac-contract-554433' };
const PATH_SECRET = 'path-secret-112233';
const QUERY_SECRET = 'query-secret-445566';

runConnectorContract({
  label: 'custom webhook endpoint',
  key: 'webhooks.ops',
  event: 'implementation_failed',
  authKey: 'integrations.webhooks.endpoints[name=ops].headers',
  rateLimit: true,
  deliveryIdOnTheWire: true,
  async start() {
    const receiver = await new WebhookReceiver().start();
    return {
      env,
      secrets: [...Object.values(env), PATH_SECRET, QUERY_SECRET],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  webhooks:
    enabled: true
    endpoints:
      - name: ops
        url: "${receiver.url}/hooks/${PATH_SECRET}?token=${QUERY_SECRET}"
        events: [${event}]
        retry_count: ${retryCount}
        timeout_ms: ${timeoutMs}
        secret: "\${HOOK_SECRET}"
        headers: { Authorization: "Bearer \${WEBHOOK_TOKEN}" }
`,
      script: (...outcomes) => receiver.respondWith(...outcomes.map(answer)),
      received: () =>
        receiver.requests.map((r) => ({ at: r.at, deliveryId: String(r.headers['x-delivery-id']) })),
      stop: () => receiver.stop(),
    };
  },
});

function answer(outcome: ContractOutcome) {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: 'ok' };
    case 'server_error':
      return { status: 500, body: outcome.says ?? 'upstream failed' };
    case 'rate_limited':
      return { status: 429, headers: { 'retry-after': String(outcome.retryAfterSeconds) } };
    case 'rejected':
      return { status: 422, body: outcome.says };
    case 'auth_failed':
      return { status: 401, body: outcome.says ?? 'invalid token' };
    case 'hang':
      return { status: 200, hang: true };
  }
}
