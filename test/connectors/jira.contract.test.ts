import { FakeJira, JIRA_EMAIL, JIRA_PAT, JIRA_TOKEN, type JiraReply } from '../fakes/jira.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

/** The same contract for Jira Cloud (REST v3) and Jira Data Center (REST v2, a personal access token). */
const DEPLOYMENTS = [
  {
    label: 'Jira',
    deployment: 'cloud',
    authKey: 'integrations.jira.api_token',
    env: { JIRA_API_TOKEN: JIRA_TOKEN },
    secret: JIRA_TOKEN,
    credentials: `    email: "${JIRA_EMAIL}"\n    api_token: "\${JIRA_API_TOKEN}"`,
  },
  {
    label: 'Jira Data Center',
    deployment: 'data_center',
    authKey: 'integrations.jira.personal_access_token',
    env: { JIRA_PERSONAL_ACCESS_TOKEN: JIRA_PAT },
    secret: JIRA_PAT,
    credentials: '    personal_access_token: "${JIRA_PERSONAL_ACCESS_TOKEN}"',
  },
] as const;

for (const subject of DEPLOYMENTS) {
  runConnectorContract({
    label: subject.label,
    key: 'jira',
    // The spec's first event opens its issue: the request every outcome below answers.
    event: 'spec_created',
    authKey: subject.authKey,
    rateLimit: true,
    // Jira's REST API has no idempotency key; the spec label is what makes a retry safe.
    deliveryIdOnTheWire: false,
    async start() {
      const jira = await FakeJira.start({ deployment: subject.deployment });
      return {
        env: { ...subject.env },
        secrets: [subject.secret],
        integrationYaml: ({ retryCount, timeoutMs }) => `  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
${subject.credentials}
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
}

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
