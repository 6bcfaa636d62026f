import { FakePagerDuty, ROUTING_KEY, type ScriptedReply } from '../fakes/pagerduty.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

runConnectorContract({
  label: 'PagerDuty Events API v2',
  key: 'pagerduty',
  event: 'implementation_failed',
  authKey: 'integrations.pagerduty.routing_key',
  rateLimit: true,
  // The Events API takes no idempotency header: the dedup_key (the spec's) is what dedupes.
  deliveryIdOnTheWire: false,
  async start() {
    const pagerduty = await FakePagerDuty.start();
    return {
      env: { PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
      secrets: [ROUTING_KEY],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  pagerduty:
    enabled: true
    events_url: "${pagerduty.eventsUrl}"
    alert_on: [${event}]
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
`,
      script: (...outcomes) => pagerduty.reply(...outcomes.map(answer)),
      received: () => pagerduty.requests.map((r) => ({ at: r.at })),
      stop: () => pagerduty.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) =>
      good.replace('    enabled: true\n', '    enabled: true\n    routing_key: too-short\n'),
    detail: /routing_key has 9 characters/,
  },
});

/** PagerDuty's answers: 400 "invalid event" with `errors` (a bad routing key among them), 429, 5xx. */
function answer(outcome: ContractOutcome): ScriptedReply {
  const invalid = (errors: string[]) => ({
    status: 400,
    body: { status: 'invalid event', message: 'Event object is invalid', errors },
  });
  switch (outcome.kind) {
    case 'ok':
      return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: 'k' } };
    case 'server_error':
      return { status: 500, body: { status: 'error', message: outcome.says ?? 'Internal Server Error' } };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(outcome.retryAfterSeconds) },
        body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
      };
    case 'rejected':
      return invalid([outcome.says]);
    case 'auth_failed':
      return invalid(['Invalid routing key', ...(outcome.says ? [outcome.says] : [])]);
    case 'hang':
      return { hang: true };
  }
}
