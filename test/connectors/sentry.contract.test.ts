import type { ProviderReply } from '../fakes/scripted-provider.js';
import { envelopeEvent, FakeSentry, SENTRY_PUBLIC_KEY, sentryRateLimited } from '../fakes/sentry.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'Sentry envelope endpoint',
  key: 'sentry',
  event: 'implementation_failed',
  authKey: 'integrations.sentry.dsn',
  rateLimit: true,
  // The delivery id travels in the event's `threadline` context, and the Sentry event id is
  // derived from it, so Sentry keeps one event however often a delivery is tried.
  deliveryIdOnTheWire: true,
  unhealthy: {
    breakYaml: (good) => good.replace(/report_on: \[[^\]]*\]/, 'report_on: []'),
    detail: /report_on lists no events/,
  },
  async start() {
    const sentry = await FakeSentry.start();
    return {
      env: { SENTRY_DSN: sentry.dsn },
      secrets: [sentry.dsn, SENTRY_PUBLIC_KEY],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  sentry:
    enabled: true
    dsn: "\${SENTRY_DSN}"
    environment: "production"
    report_on: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => sentry.provider.reply(...outcomes.map(answer)),
      received: () =>
        sentry
          .posts()
          .map((r) => ({ at: r.at, deliveryId: String(envelopeEvent(r).contexts?.threadline?.delivery_id) })),
      stop: () => sentry.close(),
    };
  },
});

/** Relay answers `{ detail }`; 403 for a key it does not know; 429 with its rate-limit headers. */
function answer(outcome: ContractOutcome): ProviderReply {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: { id: '0'.repeat(32) } };
    case 'server_error':
      return { status: 502, body: { detail: outcome.says ?? 'bad gateway' } };
    case 'rate_limited':
      return sentryRateLimited(outcome.retryAfterSeconds);
    case 'rejected':
      return { status: 400, body: { detail: outcome.says } };
    case 'auth_failed':
      return {
        status: 403,
        body: { detail: outcome.says ?? 'event submission rejected with_reason: ProjectId' },
      };
    case 'hang':
      return { hang: true };
  }
}
