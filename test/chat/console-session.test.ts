import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { type ConsoleSession, openConsoleSession } from '../../src/chat/console-session.js';
import { Outbox } from '../../src/queue/outbox.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

describe('the console platform (threadline chat)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function session(user: string, prefix: string, receiverUrl: string) {
    const loaded = testConfig(
      prefix,
      `
rbac: { roles: { responder: ["console:alice", "console:bob"], approver: ["console:bob"] } }
runbooks: { payments: { url: "https://wiki.example.com/runbooks/payments", title: "Payments runbook" } }
integrations:
  webhooks: { enabled: true, endpoints: [{ name: pager, url: "${receiverUrl}/pager", events: [incident_triggered, incident_acknowledged, incident_resolved, waiver_requested, waiver_approved] }] }
`,
    );
    const output: string[] = [];
    const write = (t: string) => output.push(t);
    const app = await assemble(loaded, { role: 'console', logger: capturingLogger(loaded).logger, write });
    cleanup.push(() => app.close());
    const s: ConsoleSession = openConsoleSession(app.chat, { user, write });
    const run = async (line: string) => {
      const before = output.length;
      await s.settle(await s.run(line));
      return output.slice(before).join('');
    };
    return { run, output };
  }

  async function setUp() {
    const prefix = uniquePrefix('console');
    const receiver = await new WebhookReceiver().start();
    cleanup.push(
      () => dropPrefix(prefix),
      () => receiver.stop(),
    );
    return { prefix, receiver };
  }

  it('pages, threads the result under the incident card, and acknowledges it in place', async () => {
    const { prefix, receiver } = await setUp();
    const alice = await session('alice', prefix, receiver.url);

    const help = await alice.run('help');
    expect(help).toContain('/ops page <service> <summary>');

    const paged = await alice.run('page payments "checkout 500s" --severity critical');
    expect(paged).toContain('⏳ Paging payments…');
    expect(paged).toMatch(/\[#1\]\n✘ 🚨 INC-\d+: checkout 500s/);
    expect(paged).toContain('[Acknowledge: incident.ack INC-');
    expect(paged).toMatch(/\[#2 ↳ in thread #1\]\n✘ 🚨 INC-\d+ opened for payments/);
    expect(paged).toContain('Sent to webhooks.pager.');
    const id = /INC-\d+/.exec(paged)![0];

    const acked = await alice.run(`!incident.ack ${id}`);
    expect(acked).toContain('[#1 updated]');
    expect(acked).toContain('Acknowledged by: console:alice');
    expect(acked).toContain(`👀 ${id} acknowledged by console:alice`);
    expect(acked).not.toContain('[Acknowledge:');

    const again = await alice.run(`ack ${id}`);
    expect(again).toContain(`${id} is already acknowledged`);

    await waitFor(() => receiver.requests.length >= 2, { what: 'incident events at the webhook' });
    const events = receiver.requests.map(
      (r) => JSON.parse(r.body) as { event: string; incident: { id: string } },
    );
    expect(events.map((e) => e.event).sort()).toEqual(['incident_acknowledged', 'incident_triggered']);
    expect(events.every((e) => e.incident.id === id)).toBe(true);
  });

  it('refuses a command the user has no role for, and audits the refusal', async () => {
    const { prefix, receiver } = await setUp();
    const mallory = await session('mallory', prefix, receiver.url);
    const refused = await mallory.run('page payments "fake page"');
    expect(refused).toContain('You are not allowed to run /ops page.');
    expect(refused).toContain('rbac.roles.responder');
    const redis = testRedis();
    cleanup.push(async () => redis.disconnect());
    const [record] = await new AuditLog(redis, prefix).recent(1);
    expect(record).toMatchObject({ actor: 'console:mallory', action: 'command.page', outcome: 'refused' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('answers usage errors and unknown commands without a stack trace', async () => {
    const { prefix, receiver } = await setUp();
    const alice = await session('alice', prefix, receiver.url);
    expect(await alice.run('page')).toContain('/ops page: <service> is missing');
    expect(await alice.run('page payments down --severity apocalyptic')).toContain(
      'Usage: /ops page <service> <summary>',
    );
    expect(await alice.run('page "unclosed')).toContain('unclosed " quote');
    expect(await alice.run('frobnicate now')).toContain('Unknown command "frobnicate"');
    expect(await alice.run('runbook paymnts')).toContain('Did you mean "payments"?');
    expect(await alice.run('runbook payments')).toContain('https://wiki.example.com/runbooks/payments');
    expect(await alice.run('ticket create "Broken checkout" --system jira')).toContain(
      'No ticketing integration for jira is enabled: set integrations.jira.enabled: true',
    );
    expect(await alice.run('status')).toContain('All queues healthy');
  });

  it('counts in /ops status the deliveries still in the outbox, waiting for their first attempt or a worker', async () => {
    const { prefix, receiver } = await setUp();
    const alice = await session('alice', prefix, receiver.url);
    // As a --role all process that stopped mid-attempt leaves it: stored, leased, not delivered.
    const redis = testRedis();
    cleanup.push(async () => redis.disconnect());
    const outbox = new Outbox(redis, prefix, { dedupWindowMs: 60_000, leaseMs: 60_000 });
    const payload = {
      event: 'incident_triggered' as const,
      id: 'left-1',
      timestamp: new Date().toISOString(),
    };
    await outbox.write([
      {
        event: { id: 'left-1', receivedAt: Date.now(), payload },
        deduplicate: true,
        destinations: [{ key: 'webhooks.pager', jobOptions: {} }],
      },
    ]);
    const status = await alice.run('status');
    expect(status).toContain('outbox');
    expect(status).toContain('waiting 0 · active 1 · delayed 0 · failed 0');
  });

  it('never lets requesters approve their own waiver; an approver decides once', async () => {
    const { prefix, receiver } = await setUp();
    const alice = await session('alice', prefix, receiver.url);
    const bob = await session('bob', prefix, receiver.url);
    const requested = await alice.run('waiver request FEAT-0001 "skip load test"');
    const id = /WVR-\d+/.exec(requested)![0];
    expect(requested).toContain('[Approve: waiver.approve');

    expect(await alice.run(`waiver approve ${id}`)).toContain(
      'You are not allowed to run /ops waiver approve',
    );
    expect(await bob.run(`!waiver.approve ${id}`)).toContain(`✅ ${id} approved by @bob`);
    expect(await bob.run(`!waiver.reject ${id}`)).toContain(`${id} was already approved`);

    const own = /WVR-\d+/.exec(await bob.run('waiver request FEAT-0002 "hotfix"'))![0];
    expect(await bob.run(`!waiver.approve ${own}`)).toContain(
      'You requested this waiver, so you cannot decide it.',
    );
  });
});
