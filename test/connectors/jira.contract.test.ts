import { FakeJira, JIRA_EMAIL, JIRA_TOKEN, type JiraReply } from '../fakes/jira.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Jira',
  key: 'jira',
  // The spec's first event opens its issue: the request every outcome below answers.
  event: 'spec_created',
  authKey: 'integrations.jira.api_token',
  rateLimit: true,
  // Jira's REST API has no idempotency key; the spec label is what makes a retry safe.
  deliveryIdOnTheWire: false,
  async start() {
    const jira = await FakeJira.start();
    return {
      env: { JIRA_API_TOKEN: JIRA_TOKEN },
      secrets: [JIRA_TOKEN],
      integrationYaml: ({ retryCount, timeoutMs }) => `  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "\${JIRA_API_TOKEN}"
    project_key: "PROJ"
    issue_type: "Story"
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => jira.script('createIssue', ...outcomes.map(answer)),
      received: () => jira.of('createIssue').map((r) => ({ at: r.at })),
      stop: () => jira.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) => good.replace('project_key: "PROJ"', 'project_key: "NOPE"'),
    detail: /NOPE.*404|404.*NOPE/,
  },
});

/** Jira answers errors as `{ errorMessages, errors }`; a 429 carries Retry-After in seconds. */
function answer(outcome: ContractOutcome): JiraReply {
  switch (outcome.kind) {
    case 'ok':
      return { normal: true };
    case 'server_error':
      return { status: 500, body: { errorMessages: [outcome.says ?? 'Internal server error'], errors: {} } };
    case 'rate_limited':
      return {
        status: 429,
        headers: {
          'retry-after': String(outcome.retryAfterSeconds),
          'x-ratelimit-reason': 'jira-burst-based',
        },
        body: { errorMessages: ['Rate limit exceeded.'], errors: {} },
      };
    case 'rejected':
      return { status: 400, body: { errorMessages: [], errors: { summary: outcome.says } } };
    case 'auth_failed':
      return {
        status: 401,
        body: { errorMessages: [outcome.says ?? 'You are not authenticated.'], errors: {} },
      };
    case 'hang':
      return { hang: true };
  }
}
