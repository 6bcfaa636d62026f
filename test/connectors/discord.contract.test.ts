import { FakeDiscordWebhook, type ScriptedReply } from '../fakes/discord-webhook.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Discord webhook',
  key: 'discord',
  event: 'implementation_failed',
  authKey: 'integrations.discord.webhook_url',
  rateLimit: true,
  deliveryIdOnTheWire: false,
  async start() {
    const discord = await FakeDiscordWebhook.start();
    const url = discord.webhookUrl;
    return {
      secrets: [url, discord.token],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  discord:
    enabled: true
    webhook_url: "${url}"
    notify_on: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => discord.reply(...outcomes.map(answer)),
      received: () => discord.requests.map((r) => ({ at: r.at })),
      stop: () => discord.close(),
    };
  },
});

/** Discord answers JSON errors `{ message, code }`; a 429 carries retry_after (seconds) and Retry-After. */
function answer(outcome: ContractOutcome): ScriptedReply {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: { id: '1100000000000000001', type: 0, channel_id: '9876543210987654321' } };
    case 'server_error':
      return { status: 500, body: { message: outcome.says ?? '500: Internal Server Error', code: 0 } };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(outcome.retryAfterSeconds) },
        body: {
          message: 'You are being rate limited.',
          retry_after: outcome.retryAfterSeconds,
          global: false,
        },
      };
    case 'rejected':
      return { status: 400, body: { message: outcome.says, code: 50035 } };
    case 'auth_failed':
      return { status: 401, body: { message: outcome.says ?? 'Invalid Webhook Token', code: 50027 } };
    case 'hang':
      return { hang: true };
  }
}
