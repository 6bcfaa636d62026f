import {
  BUCKET_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  FakeGraph,
  type GraphReply,
  graphError,
  PLAN_ID,
  TENANT,
} from '../fakes/ms-graph.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Microsoft Planner (Graph)',
  key: 'ms_project',
  // The spec's first event opens its task: the request every outcome below answers.
  event: 'spec_created',
  authKey: 'integrations.ms_project.client_secret',
  rateLimit: true,
  // Graph's POST /planner/tasks has no idempotency key; the spec id in the title is what makes a retry safe.
  deliveryIdOnTheWire: false,
  async start() {
    const graph = await FakeGraph.start();
    return {
      env: { MS_GRAPH_SECRET: CLIENT_SECRET },
      secrets: [CLIENT_SECRET],
      integrationYaml: ({ retryCount, timeoutMs }) => `  ms_project:
    enabled: true
    api_url: "${graph.apiUrl}"
    auth_url: "${graph.baseUrl}"
    tenant_id: "${TENANT}"
    client_id: "${CLIENT_ID}"
    client_secret: "\${MS_GRAPH_SECRET}"
    plan_id: "${PLAN_ID}"
    bucket_id: "${BUCKET_ID}"
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => graph.script('createTask', ...outcomes.map((o) => answer(o, graph))),
      received: () => graph.of('createTask').map((r) => ({ at: r.at })),
      stop: () => graph.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) => good.replace(`plan_id: "${PLAN_ID}"`, 'plan_id: "NOPE"'),
    detail: /NOPE.*404|404.*NOPE/,
  },
});

/** Graph answers errors as `{ error: { code, message } }`; throttling carries Retry-After in seconds. */
function answer(outcome: ContractOutcome, graph: FakeGraph): GraphReply {
  switch (outcome.kind) {
    case 'ok':
      return { normal: true };
    case 'server_error':
      return graphError(500, 'InternalServerError', outcome.says ?? 'An internal server error occurred.');
    case 'rate_limited':
      return graphError(429, 'TooManyRequests', 'Too many requests.', {
        'retry-after': String(outcome.retryAfterSeconds),
      });
    case 'rejected':
      return graphError(400, 'BadRequest', outcome.says ?? 'Invalid request body.');
    case 'auth_failed':
      // The app's secret was revoked: Graph refuses the token, and the identity platform a new one.
      return {
        ...graphError(401, 'InvalidAuthenticationToken', outcome.says ?? 'Access token validation failure.'),
        onSend: () => graph.revokeClient(),
      };
    case 'hang':
      return { hang: true };
  }
}
