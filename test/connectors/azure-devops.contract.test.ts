import {
  AZURE_PAT,
  type AzureReply,
  azureError,
  FakeAzureDevOps,
  ORGANIZATION,
  PROJECT,
} from '../fakes/azure-devops.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Azure DevOps',
  key: 'azure_devops',
  // The spec's first event opens its work item: the request every outcome below answers.
  event: 'spec_created',
  authKey: 'integrations.azure_devops.pat',
  rateLimit: true,
  // Work item create has no idempotency key; the spec tag and a WIQL query make a retry safe.
  deliveryIdOnTheWire: false,
  async start() {
    const azure = await FakeAzureDevOps.start();
    return {
      env: { AZURE_DEVOPS_PAT: AZURE_PAT },
      secrets: [AZURE_PAT],
      integrationYaml: ({ retryCount, timeoutMs }) => `  azure_devops:
    enabled: true
    base_url: "${azure.baseUrl}"
    organization: "${ORGANIZATION}"
    project: "${PROJECT}"
    pat: "\${AZURE_DEVOPS_PAT}"
    work_item_type: "User Story"
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => azure.script('createWorkItem', ...outcomes.map(answer)),
      received: () => azure.of('createWorkItem').map((r) => ({ at: r.at })),
      stop: () => azure.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) => good.replace(`project: "${PROJECT}"`, 'project: "NOPE"'),
    detail: /NOPE.*404|404.*NOPE/,
  },
});

/** Azure answers errors as `{ $id, message, typeKey, … }`; its throttling is 429 with Retry-After. */
function answer(outcome: ContractOutcome): AzureReply {
  switch (outcome.kind) {
    case 'ok':
      return { normal: true };
    case 'server_error':
      return azureError(500, 'VssServiceException', outcome.says ?? 'TF400898: An Internal Error Occurred.');
    case 'rate_limited':
      return {
        ...azureError(
          429,
          'RequestBlockedException',
          'Request was blocked due to exceeding usage of resource.',
        ),
        headers: {
          'retry-after': String(outcome.retryAfterSeconds),
          'x-ratelimit-resource': 'ATCPU',
          'x-ratelimit-delay': '0',
        },
      };
    case 'rejected':
      return azureError(400, 'RuleValidationException', outcome.says);
    case 'auth_failed':
      return {
        status: 401,
        body: outcome.says ?? 'Access Denied: The Personal Access Token used has expired.',
      };
    case 'hang':
      return { hang: true };
  }
}
