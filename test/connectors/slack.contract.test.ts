import { FakeSlack, type ScriptedReply } from '../fakes/slack-api.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Slack incoming webhook',
  key: 'slack',
  event: 'implementation_failed',
  authKey: 'integrations.slack.webhook_url',
  rateLimit: true,
  deliveryIdOnTheWire: false,
  async start() {
    const slack = await FakeSlack.start();
    const url = slack.webhookUrl;
    return {
      // The path token is the credential: anyone holding it can post into the channel.
      secrets: [url, new URL(url).pathname.split('/').at(-1)!],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  slack:
    enabled: true
    webhook_url: "${url}"
    notify_on: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => slack.reply(...outcomes.map(answer)),
      received: () => slack.requests.map((r) => ({ at: r.at })),
      stop: () => slack.close(),
    };
  },
});

/** Slack's incoming webhooks answer in plain text: "ok", or an error code such as invalid_token. */
function answer(outcome: ContractOutcome): ScriptedReply {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: 'ok' };
    case 'server_error':
      return { status: 500, body: outcome.says ?? 'internal_error' };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(outcome.retryAfterSeconds) },
        body: 'rate_limited',
      };
    case 'rejected':
      return { status: 400, body: outcome.says };
    case 'auth_failed':
      return { status: 403, body: outcome.says ?? 'invalid_token' };
    case 'hang':
      return { hang: true };
  }
}
