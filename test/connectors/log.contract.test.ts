import { LINE_MARKER } from '../../src/connectors/log/render.js';
import { EVENTS_SECRET } from '../support/config.js';
import { runConnectorContract } from './connector.contract.js';
import { captureStderr } from './log.support.js';

const NO_PROVIDER = 'the log writes to a local stream: there is no provider';

runConnectorContract({
  label: 'log (stderr)',
  key: 'log',
  event: 'implementation_failed',
  rateLimit: { notApplicable: `${NO_PROVIDER} to ask for a wait` },
  notApplicable: {
    server_error: `${NO_PROVIDER} to answer 5xx; a failed write is retried like any transient failure`,
    rejected: `${NO_PROVIDER} to refuse a notification`,
    auth_failed: `${NO_PROVIDER} and no credentials`,
    timeout: `${NO_PROVIDER} to leave a request unanswered`,
    echoed_secret: `${NO_PROVIDER} to echo a secret back; test/connectors/log.connector.test.ts checks the line itself`,
  },
  // The line ends with the delivery id, the same on every attempt and replay.
  deliveryIdOnTheWire: true,
  async start() {
    const stderr = captureStderr();
    return {
      integrationYaml: ({ event }) => `  log:
    enabled: true
    events: [${event}]
`,
      // The one secret of the test config: the inbound HMAC key the event is signed with.
      secrets: [EVENTS_SECRET],
      script: (...outcomes) => {
        for (const outcome of outcomes)
          if (outcome.kind !== 'ok') throw new Error(`${NO_PROVIDER} to answer ${outcome.kind}`);
      },
      received: () =>
        stderr.writes
          .filter((w) => w.text.includes(` ${LINE_MARKER} `))
          .map((w) => ({ at: w.at, deliveryId: / · delivery (\S+)\n$/.exec(w.text)?.[1] })),
      stop: async () => stderr.restore(),
    };
  },
});
