import { DELIVERY_ID_HEADER } from '../../src/connectors/email/email.connector.js';
import { FakeSmtp } from '../fakes/smtp.js';
import { type ContractOutcome, runConnectorContract } from './connector.contract.js';

const USER = 'threadline-mailer';
const PASSWORD = 'smtp-P4ssw0rd-contract-secret';

runConnectorContract({
  label: 'e-mail over SMTP',
  key: 'email',
  event: 'implementation_failed',
  authKey: 'integrations.email.smtp.password',
  rateLimit: {
    notApplicable:
      'SMTP has no Retry-After; a 421/451 deferral is retried with backoff like any transient failure',
  },
  deliveryIdOnTheWire: true,
  async start() {
    const smtp = await FakeSmtp.start({ user: USER, password: PASSWORD });
    return {
      env: { SMTP_PASSWORD: PASSWORD },
      secrets: [PASSWORD],
      integrationYaml: ({ event, retryCount, timeoutMs }) => `  email:
    enabled: true
    retry_count: ${retryCount}
    timeout_ms: ${timeoutMs}
    smtp: { host: "${smtp.host}", port: ${smtp.port}, secure: false, user: "${USER}", password: "\${SMTP_PASSWORD}" }
    from: "specs@example.com"
    recipients: { ${event}: ["oncall@example.com"] }
`,
      script: (...outcomes) => {
        for (const outcome of outcomes) play(smtp, outcome);
      },
      received: () =>
        smtp.attempts.map((a) => ({ at: a.at, deliveryId: a.headers.get(DELIVERY_ID_HEADER.toLowerCase()) })),
      stop: () => smtp.close(),
    };
  },
  unhealthy: {
    breakYaml: (good) => good.replace(/recipients: .*/, 'recipients: {}'),
    detail: /recipients/,
  },
});

function play(smtp: FakeSmtp, outcome: ContractOutcome): void {
  switch (outcome.kind) {
    case 'ok':
      smtp.acceptNext();
      break;
    case 'server_error':
      smtp.failNext(451, outcome.says ?? '4.3.0 Temporary local problem, try again later');
      break;
    case 'rate_limited':
      throw new Error('SMTP has no rate limit answer with a wait; the contract skips this case');
    case 'rejected':
      smtp.failNext(550, outcome.says);
      break;
    case 'auth_failed':
      smtp.failNext(535, outcome.says ?? '5.7.8 Authentication credentials invalid', { stage: 'auth' });
      break;
    case 'hang':
      smtp.hangNext();
      break;
  }
}
