import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble, type ConsoleApp } from '../../src/assemble.js';
import { openConsoleSession } from '../../src/chat/console-session.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

describe('readiness exceptions in the console (threadline chat)', () => {
  const prefix = uniquePrefix('readiness-console');
  let receiver: WebhookReceiver;
  let app: ConsoleApp;
  const output: string[] = [];

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    const loaded = testConfig(
      prefix,
      `
rbac: { roles: { responder: ["console:alice"] } }
readiness: { owners: ["console:bob"], sla: 1h }
integrations:
  webhooks: { enabled: true, endpoints: [{ name: readiness, url: "${receiver.url}/r", events: [readiness_exception_acknowledged] }] }
`,
    );
    app = await assemble(loaded, {
      role: 'console',
      logger: capturingLogger(loaded).logger,
      write: (t) => output.push(t),
    });
  });

  afterAll(async () => {
    await app?.close();
    await receiver?.stop();
    await dropPrefix(prefix);
  });

  async function as(user: string, line: string): Promise<string> {
    const session = openConsoleSession(app.chat, { user, write: (t) => output.push(t) });
    const before = output.length;
    await session.settle(await session.run(line));
    return output.slice(before).join('');
  }

  it('refuses a non-owner and lets an owner acknowledge from the card, which shows it in place', async () => {
    await app.chat.services.emit({
      id: 'RX-console',
      event: 'readiness_exception',
      spec: { id: 'FEAT-0301', title: 'Billing' },
      readiness: { gate: 'security-review' },
    });

    const refused = await as('carol', '!readiness.ack RX-console');
    expect(refused).toContain('Only a readiness owner may acknowledge RX-console');

    const acked = await as('bob', 'readiness ack RX-console');
    expect(acked).toMatch(/🛑 Readiness exception: FEAT-0301 Billing/);
    expect(acked).toContain('Acknowledged by: console:bob');
    expect(acked).toContain('👀 RX-console acknowledged by console:bob');
    expect(acked).toContain('[Resolve: readiness.resolve RX-console]');
    expect(acked).not.toContain('[Acknowledge:');

    const resolved = await as('alice', '!readiness.resolve RX-console');
    expect(resolved).toContain('updated]');
    expect(resolved).toContain('Resolved by: console:alice');

    const event = await waitFor(() => receiver.requests[0], { what: 'the acknowledged event' });
    expect(JSON.parse(event.body)).toMatchObject({
      event: 'readiness_exception_acknowledged',
      readiness: { id: 'RX-console', acknowledged_by: 'console:bob' },
    });
  });

  it("keeps the spec's card on its latest exception when an older one is acknowledged", async () => {
    for (const id of ['RX-older', 'RX-newer'])
      await app.chat.services.emit({ id, event: 'readiness_exception', spec: { id: 'FEAT-0302' } });

    const newer = await as('alice', 'readiness ack RX-newer');
    expect(newer).toContain('Threadline · RX-newer');

    const older = await as('alice', 'readiness ack RX-older');
    expect(older).toContain('👀 RX-older acknowledged by console:alice');
    expect(older).not.toContain('updated]');
    expect(older).not.toContain('Threadline · RX-older');
  });
});
