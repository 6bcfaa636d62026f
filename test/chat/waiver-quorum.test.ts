import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { openConsoleSession } from '../../src/chat/console-session.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

interface WaiverEvent {
  id?: string;
  event: string;
  spec: { id: string };
  waiver: {
    id: string;
    status: string;
    requested_by: string;
    required_approvals: number;
    approvals: Array<{ by: string; name?: string; at: string }>;
    rejection?: { by: string; at: string };
    decided_by?: string;
    decided_at?: string;
  };
}

/*
 * Waivers with `waivers.required_approvals: 2`, typed and pressed in `threadline chat` sessions:
 * bob, carol and alice approve; mallory is nobody in particular. Every session runs the same
 * router, RBAC, action queue and Redis store as Slack, Teams and Discord do.
 */
describe('waiver approvals with a quorum of two', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function setUp() {
    const prefix = uniquePrefix('waivers');
    const receiver = await new WebhookReceiver().start();
    cleanup.push(
      () => dropPrefix(prefix),
      () => receiver.stop(),
    );
    const yaml = `
waivers: { required_approvals: 2 }
rbac: { roles: { approver: ["console:alice", "console:bob", "console:carol"] } }
integrations:
  webhooks: { enabled: true, endpoints: [{ name: audit, url: "${receiver.url}/waivers", events: [waiver_requested, waiver_approved, waiver_rejected] }] }
`;
    const session = async (user: string) => {
      const loaded = testConfig(prefix, yaml);
      const output: string[] = [];
      const write = (t: string) => output.push(t);
      const app = await assemble(loaded, { role: 'console', logger: capturingLogger(loaded).logger, write });
      cleanup.push(() => app.close());
      const s = openConsoleSession(app.chat, { user, write });
      const run = async (line: string) => {
        const before = output.length;
        await s.settle(await s.run(line));
        return output.slice(before).join('');
      };
      return { run, waivers: app.chat!.services.waivers };
    };
    const events = () => receiver.requests.map((r) => JSON.parse(r.body) as WaiverEvent);
    return { session, events };
  }

  it('approves only after two approvers, refusing a non-approver, the requester and a double click', async () => {
    const { session, events } = await setUp();
    const [alice, bob, carol, mallory] = await Promise.all(
      ['alice', 'bob', 'carol', 'mallory'].map((user) => session(user)),
    );

    const requested = await alice!.run('waiver request FEAT-0001 "skip load test"');
    const id = /WVR-\d+/.exec(requested)![0];
    expect(requested).toContain('Quorum: 0 of 2 approvals');
    expect(requested).toContain('It needs 2 approvers to press Approve; one Reject rejects it.');

    // A non-approver's click is refused before anything is queued.
    expect(await mallory!.run(`!waiver.approve ${id}`)).toContain(
      'You are not allowed to run /ops waiver approve',
    );
    // The requester is an approver, but never of their own waiver.
    expect(await alice!.run(`!waiver.approve ${id}`)).toContain(
      'You requested this waiver, so you cannot decide it.',
    );
    expect((await alice!.waivers.get(id)).approvals).toEqual([]);

    // bob double-clicks: two presses at once, counted once.
    const [first, second] = await Promise.all([
      bob!.run(`!waiver.approve ${id}`),
      bob!.run(`!waiver.approve ${id}`),
    ]);
    const both = first + second;
    expect(both).toContain(`👍 ${id} approved by @bob: 1 of 2 approvals: @bob`);
    expect(both).toContain(`You have already approved ${id}`);
    expect(both).toContain('Quorum: 1 of 2 approvals: @bob');
    const half = await bob!.waivers.get(id);
    expect(half.status).toBe('pending');
    expect(half.approvals.map((v) => v.by)).toEqual(['console:bob']);
    // The card keeps its buttons until the quorum is reached.
    expect(both).toContain('[Approve: waiver.approve');

    const approved = await carol!.run(`!waiver.approve ${id}`);
    expect(approved).toContain(`✅ ${id} approved by @bob, @carol`);
    expect(approved).toContain('Quorum: 2 of 2 approvals: @bob, @carol');
    expect(approved).toMatch(/Approved by: @bob \(console:bob\) at \S+\n\s*@carol \(console:carol\) at /);
    expect(approved).not.toContain('[Approve:');

    // Final: a later Reject changes nothing.
    expect(await bob!.run(`!waiver.reject ${id}`)).toContain(`${id} was already approved`);

    const decided = await carol!.waivers.get(id);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'console:carol' });
    await waitFor(() => events().some((e) => e.event === 'waiver_approved'), { what: 'waiver_approved' });
    await waitFor(() => events().length >= 2, { what: 'both waiver events' });
    const names = events().map((e) => e.event);
    expect(names.sort()).toEqual(['waiver_approved', 'waiver_requested']);
    const event = events().find((e) => e.event === 'waiver_approved')!;
    expect(event.spec).toEqual({ id: 'FEAT-0001' });
    expect(event.waiver).toMatchObject({
      id,
      status: 'approved',
      requested_by: 'console:alice',
      required_approvals: 2,
      decided_by: 'console:carol',
      decided_at: decided.decidedAt,
      approvals: [
        { by: 'console:bob', name: 'bob', at: decided.approvals[0]!.at },
        { by: 'console:carol', name: 'carol', at: decided.approvals[1]!.at },
      ],
    });
  });

  it('rejects on the first Reject even after one approval, once, and says who and when', async () => {
    const { session, events } = await setUp();
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((user) => session(user)));
    const id = /WVR-\d+/.exec(await alice!.run('waiver request FEAT-0002 "hotfix without e2e"'))![0];

    expect(await bob!.run(`waiver approve ${id}`)).toContain('1 of 2 approvals: @bob');
    const rejected = await carol!.run(`!waiver.reject ${id}`);
    expect(rejected).toContain(`🚫 ${id} rejected by @carol`);
    expect(rejected).toMatch(/Rejected by: @carol \(console:carol\) at \S+/);
    expect(rejected).not.toContain('[Approve:');
    expect(await bob!.run(`!waiver.approve ${id}`)).toContain(`${id} was already rejected`);
    expect(await carol!.run(`!waiver.reject ${id}`)).toContain(`${id} was already rejected`);

    await waitFor(() => events().some((e) => e.event === 'waiver_rejected'), { what: 'waiver_rejected' });
    const rejections = events().filter((e) => e.event === 'waiver_rejected');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]!.waiver).toMatchObject({
      status: 'rejected',
      decided_by: 'console:carol',
      rejection: { by: 'console:carol' },
      approvals: [{ by: 'console:bob' }],
    });
  });
});
