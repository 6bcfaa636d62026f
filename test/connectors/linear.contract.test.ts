import { FakeLinear, LINEAR_API_KEY, type LinearReply, linearError, TEAM_ID } from '../fakes/linear.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Linear',
  key: 'linear',
  // The spec's first event opens its issue: the issueCreate every outcome below answers.
  event: 'spec_created',
  authKey: 'integrations.linear.api_key',
  rateLimit: true,
  // Linear's API has no idempotency key; the spec-id line findBySpec searches for makes a retry safe.
  deliveryIdOnTheWire: false,
  async start() {
    const linear = await FakeLinear.start();
    return {
      env: { LINEAR_API_KEY },
      secrets: [LINEAR_API_KEY],
      integrationYaml: ({ retryCount, timeoutMs }) => `  linear:
    enabled: true
    api_url: "${linear.apiUrl}"
    team_id: "${TEAM_ID}"
    labels: ["spec", "automated"]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => linear.script('ThreadlineIssueCreate', ...outcomes.map(answer)),
      received: () => linear.of('ThreadlineIssueCreate').map((r) => ({ at: r.at })),
      stop: () => linear.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) => good.replace(`team_id: "${TEAM_ID}"`, 'team_id: "NOPE"'),
    detail: /team NOPE.*Could not find referenced Team/,
  },
});

/**
 * Linear answers a rate limit with HTTP 400, RATELIMITED in the GraphQL errors and the window's
 * reset as epoch milliseconds in X-RateLimit-Requests-Reset; other failures carry their own code.
 */
function answer(outcome: ContractOutcome): LinearReply {
  switch (outcome.kind) {
    case 'ok':
      return { normal: true };
    case 'server_error':
      return {
        status: 500,
        body: {
          errors: [
            {
              message: outcome.says ?? 'Internal server error',
              extensions: { code: 'INTERNAL_SERVER_ERROR' },
            },
          ],
        },
      };
    case 'rate_limited':
      return {
        ...linearError('Rate limit exceeded', 'RATELIMITED', 'ratelimited'),
        headers: () => ({
          'x-ratelimit-requests-limit': '5000',
          'x-ratelimit-requests-remaining': '0',
          'x-ratelimit-requests-reset': String(Date.now() + outcome.retryAfterSeconds * 1000),
        }),
      };
    case 'rejected':
      return linearError('Argument Validation Error', 'INVALID_INPUT', 'invalid input', outcome.says);
    case 'auth_failed':
      return linearError(
        outcome.says ?? 'Authentication required, not authenticated',
        'AUTHENTICATION_ERROR',
        'authentication error',
      );
    case 'hang':
      return { hang: true };
  }
}
