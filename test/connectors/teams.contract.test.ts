import { FakeTeamsWebhook, type ScriptedReply } from '../fakes/teams-webhook.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Teams incoming webhook',
  key: 'teams',
  event: 'implementation_failed',
  authKey: 'integrations.teams.webhook_url',
  rateLimit: true,
  deliveryIdOnTheWire: false,
  async start() {
    const teams = await FakeTeamsWebhook.start({ flavour: 'workflow' });
    const url = teams.webhookUrl;
    return {
      // The hook id segment is the credential of an Office 365 / workflow webhook URL.
      secrets: [url, 't3amsS3cr3tHookId'],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  teams:
    enabled: true
    webhook_url: "${url}"
    notify_on: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => teams.reply(...outcomes.map(answer)),
      received: () => teams.requests.map((r) => ({ at: r.at })),
      stop: () => teams.close(),
    };
  },
});

/** A Power Automate workflow trigger: 202 when accepted, HTTP statuses with Retry-After when throttled. */
function answer(outcome: ContractOutcome): ScriptedReply {
  switch (outcome.kind) {
    case 'ok':
      return { status: 202 };
    case 'server_error':
      return { status: 502, body: outcome.says ?? 'Bad Gateway' };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(outcome.retryAfterSeconds) },
        body: 'Rate limit is exceeded. Try again later.',
      };
    case 'rejected':
      return { status: 400, body: outcome.says };
    case 'auth_failed':
      return { status: 401, body: outcome.says ?? 'DirectApiAuthorizationRequired' };
    case 'hang':
      return { hang: true };
  }
}
