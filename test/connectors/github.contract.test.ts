import { FakeGitHub, GITHUB_TOKEN, type GitHubReply, OWNER, REPO } from '../fakes/github.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'GitHub Projects',
  key: 'github_projects',
  // The spec's first event opens its issue: the request every outcome below answers.
  event: 'spec_created',
  authKey: 'integrations.github_projects.token',
  rateLimit: true,
  // GitHub's REST API has no idempotency key; the spec label is what makes a retry safe.
  deliveryIdOnTheWire: false,
  async start() {
    const github = await FakeGitHub.start();
    return {
      env: { GITHUB_TOKEN },
      secrets: [GITHUB_TOKEN],
      integrationYaml: ({ retryCount, timeoutMs }) => `  github_projects:
    enabled: true
    api_url: "${github.baseUrl}"
    repository: "${OWNER}/${REPO}"
    project_number: 1
    status_field: "Status"
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => github.script('createIssue', ...outcomes.map(answer)),
      received: () => github.of('createIssue').map((r) => ({ at: r.at })),
      stop: () => github.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) => good.replace('project_number: 1', 'project_number: 9'),
    detail: /project #9/,
  },
});

/** GitHub answers errors as `{ message, documentation_url }`; a 429 carries Retry-After in seconds. */
function answer(outcome: ContractOutcome): GitHubReply {
  const docs = 'https://docs.github.com/rest';
  switch (outcome.kind) {
    case 'ok':
      return { normal: true };
    case 'server_error':
      return { status: 502, body: { message: outcome.says ?? 'Server Error', documentation_url: docs } };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(outcome.retryAfterSeconds), 'x-ratelimit-remaining': '0' },
        body: { message: 'API rate limit exceeded', documentation_url: docs },
      };
    case 'rejected':
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', field: 'title', code: 'invalid', message: outcome.says }],
          documentation_url: docs,
        },
      };
    case 'auth_failed':
      return { status: 401, body: { message: outcome.says ?? 'Bad credentials', documentation_url: docs } };
    case 'hang':
      return { hang: true };
  }
}
