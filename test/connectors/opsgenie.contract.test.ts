import { API_KEY, FakeOpsgenie, type ScriptedReply } from '../fakes/opsgenie.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Opsgenie Alert API',
  key: 'opsgenie',
  event: 'implementation_failed',
  authKey: 'integrations.opsgenie.api_key',
  rateLimit: true,
  deliveryIdOnTheWire: false,
  async start() {
    const opsgenie = await FakeOpsgenie.start();
    return {
      env: { OPSGENIE_API_KEY: API_KEY },
      secrets: [API_KEY],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  opsgenie:
    enabled: true
    api_url: "${opsgenie.baseUrl}"
    alert_on: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => opsgenie.reply(...outcomes.map(answer)),
      received: () => opsgenie.requests.map((r) => ({ at: r.at })),
      stop: () => opsgenie.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) =>
      good.replace('    enabled: true\n', '    enabled: true\n    api_key: not-a-genie-key\n'),
    detail: /api_key is not an Opsgenie API key/,
  },
});

/** Opsgenie's answers: `{ message, took, requestId }`; a 429 says how long in X-RateLimit-Period-In-Sec. */
function answer(outcome: ContractOutcome): ScriptedReply {
  const failure = (status: number, message: string) => ({
    status,
    body: { message, took: 0.001, requestId: '5e3ad4f8-0b8c-4b8e-9d3b-2a1f0c7d6e5f' },
  });
  switch (outcome.kind) {
    case 'ok':
      return { status: 202, body: { result: 'Request will be processed', took: 0.01, requestId: 'r-1' } };
    case 'server_error':
      return failure(500, outcome.says ?? 'Internal Server Error');
    case 'rate_limited':
      return {
        ...failure(
          429,
          'You are making too many requests! To avoid errors, we recommend you limit requests.',
        ),
        headers: {
          'x-ratelimit-state': 'THROTTLED',
          'x-ratelimit-reason': 'INTEGRATION',
          'x-ratelimit-period-in-sec': String(outcome.retryAfterSeconds),
        },
      };
    case 'rejected':
      return failure(422, outcome.says);
    case 'auth_failed':
      return failure(401, outcome.says ?? 'Could not authenticate');
    case 'hang':
      return { hang: true };
  }
}
