import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { WaiverEventBody, waiverDecisionNote, waiverEvent } from '../../src/workflows/waiver-events.js';
import { type VoteOutcome, WaiverStore } from '../../src/workflows/waivers.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';

const alice = { by: 'slack:U1', name: 'alice' };
const bob = { by: 'slack:U2', name: 'bob' };
const carol = { by: 'teams:c3', name: 'carol' };
const dave = { by: 'discord:44' };

describe('the waiver store (Redis)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  /** Two stores on two connections: two worker processes sharing one Redis. */
  function processes(requiredApprovals: number): { prefix: string; stores: WaiverStore[]; redis: Redis[] } {
    const prefix = uniquePrefix('waiver-store');
    const redis = [testRedis(), testRedis()];
    cleanup.push(
      () => dropPrefix(prefix),
      async () => {
        for (const r of redis) r.disconnect();
      },
    );
    return { prefix, redis, stores: redis.map((r) => new WaiverStore(r, prefix, { requiredApprovals })) };
  }

  const request = (store: WaiverStore, key = `req-${Math.random()}`) =>
    store.request({ specId: 'FEAT-0001', reason: 'skip load test', requester: alice }, key);

  it('counts one approver once, however many presses arrive at once from two processes', async () => {
    const { stores } = processes(2);
    const waiver = await request(stores[0]!);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]!.approve(waiver.id, bob, `slack.press-${i}`)),
    );
    const tally = count(outcomes.map((o) => o.outcome));
    expect(tally).toEqual({ counted: 1, 'already-voted': 19 });
    const stored = await stores[1]!.get(waiver.id);
    expect(stored.status).toBe('pending');
    expect(stored.approvals).toEqual([{ by: bob.by, name: 'bob', at: expect.any(String) }]);
  });

  it('lets exactly one vote decide when the last approvals race, so the decision is reported once', async () => {
    const { stores } = processes(2);
    const waiver = await request(stores[0]!);
    const outcomes = await Promise.all([
      stores[0]!.approve(waiver.id, bob, 'slack.a'),
      stores[1]!.approve(waiver.id, carol, 'teams.b'),
      stores[0]!.approve(waiver.id, dave, 'discord.c'),
    ]);
    expect(count(outcomes.map((o) => o.outcome))).toEqual({ counted: 1, decided: 1, 'already-decided': 1 });
    const decided = outcomes.find((o) => o.outcome === 'decided')!.waiver;
    expect(decided.status).toBe('approved');
    expect(decided.approvals).toHaveLength(2);
    expect(decided.decidedBy).toBe(decided.approvals[1]!.by);
    expect(decided.decidedAt).toBe(decided.approvals[1]!.at);
  });

  it('answers a retried request as it did the first time, without a second vote', async () => {
    const { stores } = processes(2);
    const waiver = await request(stores[0]!);
    expect((await stores[0]!.approve(waiver.id, bob, 'slack.first')).outcome).toBe('counted');
    expect((await stores[1]!.approve(waiver.id, bob, 'slack.first')).outcome).toBe('counted');
    expect((await stores[0]!.approve(waiver.id, carol, 'teams.last')).outcome).toBe('decided');
    // The job that decided crashed before it emitted: its retry is told `decided` again.
    const retried = await stores[1]!.approve(waiver.id, carol, 'teams.last');
    expect(retried.outcome).toBe('decided');
    expect(retried.waiver.approvals.map((v) => v.by)).toEqual([bob.by, carol.by]);
    expect((await stores[1]!.approve(waiver.id, dave, 'discord.late')).outcome).toBe('already-decided');
  });

  it('refuses the requester, whether approving or rejecting, and records nothing', async () => {
    const { stores } = processes(1);
    const waiver = await request(stores[0]!);
    await expect(stores[0]!.approve(waiver.id, alice, 'slack.own')).rejects.toThrow(
      'You requested this waiver, so you cannot decide it.',
    );
    await expect(stores[0]!.reject(waiver.id, alice, 'slack.own2')).rejects.toThrow(
      'You requested this waiver',
    );
    expect(await stores[0]!.get(waiver.id)).toMatchObject({ status: 'pending', approvals: [] });
  });

  it('rejects on one rejection, even from an approver who approved before, and keeps who and when', async () => {
    const { stores } = processes(3);
    const waiver = await request(stores[0]!);
    await stores[0]!.approve(waiver.id, bob, 'slack.a');
    const { outcome, waiver: rejected } = await stores[1]!.reject(waiver.id, bob, 'slack.b');
    expect(outcome).toBe('decided');
    expect(rejected).toMatchObject({
      status: 'rejected',
      decidedBy: bob.by,
      rejection: { by: bob.by, name: 'bob' },
      approvals: [{ by: bob.by }],
    });
    expect(rejected.decidedAt).toBe(rejected.rejection!.at);
    expect((await stores[0]!.approve(waiver.id, carol, 'teams.c')).outcome).toBe('already-decided');
  });

  it('keeps the quorum a waiver was requested under when the configuration changes', async () => {
    const { stores, prefix, redis } = processes(2);
    const waiver = await request(stores[0]!);
    const stricter = new WaiverStore(redis[0]!, prefix, { requiredApprovals: 3 });
    await stricter.approve(waiver.id, bob, 'slack.a');
    expect((await stricter.approve(waiver.id, carol, 'teams.b')).outcome).toBe('decided');
    expect((await request(stricter)).requiredApprovals).toBe(3);
  });

  it('decides a waiver stored before quorums existed with one approval', async () => {
    const { stores, prefix, redis } = processes(2);
    const legacy = {
      id: 'WVR-900',
      specId: 'FEAT-0009',
      reason: 'old',
      status: 'pending',
      requestedBy: alice.by,
      requestedAt: '2026-01-01T00:00:00.000Z',
    };
    await redis[0]!.set(`${prefix}:waiver:WVR-900`, JSON.stringify(legacy));
    expect(await stores[0]!.get('wvr-900')).toMatchObject({ requiredApprovals: 1, approvals: [] });
    const { outcome, waiver } = await stores[0]!.approve('WVR-900', bob, 'slack.a');
    expect(outcome).toBe('decided');
    expect(waiver.status).toBe('approved');
  });

  it('reads a waiver decided before quorums existed as decided by that one vote', async () => {
    const { stores, prefix, redis } = processes(2);
    const at = '2026-01-02T00:00:00.000Z';
    const base = { specId: 'FEAT-0009', reason: 'old', requestedBy: alice.by, requestedAt: at };
    await redis[0]!.set(
      `${prefix}:waiver:WVR-901`,
      JSON.stringify({ ...base, id: 'WVR-901', status: 'approved', decidedBy: bob.by, decidedAt: at }),
    );
    await redis[0]!.set(
      `${prefix}:waiver:WVR-902`,
      JSON.stringify({ ...base, id: 'WVR-902', status: 'rejected', decidedBy: carol.by, decidedAt: at }),
    );
    expect(await stores[0]!.get('WVR-901')).toMatchObject({ approvals: [{ by: bob.by, at }] });
    expect(await stores[0]!.get('WVR-902')).toMatchObject({ approvals: [], rejection: { by: carol.by, at } });
  });

  it('names a missing waiver', async () => {
    const { stores } = processes(1);
    await expect(stores[0]!.approve('WVR-404', bob, 'x')).rejects.toThrow('There is no waiver WVR-404.');
  });
});

describe('waiver events', () => {
  const decided = {
    id: 'WVR-3',
    specId: 'FEAT-0001',
    reason: 'skip load test',
    status: 'approved' as const,
    requestedBy: 'slack:U1',
    requestedAt: '2026-01-19T12:00:00.000Z',
    requiredApprovals: 2,
    approvals: [
      { by: 'slack:U2', name: 'bob', at: '2026-01-19T12:01:00.000Z' },
      { by: 'teams:c3', name: 'carol', at: '2026-01-19T12:02:00.000Z' },
    ],
    decidedBy: 'teams:c3',
    decidedAt: '2026-01-19T12:02:00.000Z',
  };

  it('gives each waiver step one id and the decision time, so a repeat is the same event', () => {
    const event = waiverEvent(decided, 'waiver_approved');
    expect(event).toEqual(waiverEvent(decided, 'waiver_approved'));
    expect(event).toMatchObject({
      id: 'WVR-3.approved',
      timestamp: decided.decidedAt,
      spec: { id: 'FEAT-0001' },
    });
    expect(waiverEvent({ ...decided, status: 'pending' }, 'waiver_requested').id).toBe('WVR-3.pending');
  });

  it('reads back as the note a ticket gets: decision, quorum, who and when, and the reason', () => {
    const body = WaiverEventBody.parse(waiverEvent(decided, 'waiver_approved').waiver);
    expect(waiverDecisionNote(body)).toBe(
      [
        'Waiver WVR-3 approved (2 of 2 approvals).',
        'Reason: skip load test',
        'Requested by slack:U1 at 2026-01-19T12:00:00.000Z.',
        'Approved by: @bob (slack:U2) at 2026-01-19T12:01:00.000Z, @carol (teams:c3) at 2026-01-19T12:02:00.000Z',
      ].join('\n'),
    );
    const rejection = { by: 'discord:44', at: '2026-01-19T12:03:00.000Z' };
    const rejected = WaiverEventBody.parse(
      waiverEvent(
        {
          ...decided,
          status: 'rejected',
          approvals: [],
          rejection,
          decidedBy: rejection.by,
          decidedAt: rejection.at,
        },
        'waiver_rejected',
      ).waiver,
    );
    expect(waiverDecisionNote(rejected).split('\n')[0]).toBe(
      'Waiver WVR-3 rejected by discord:44 at 2026-01-19T12:03:00.000Z.',
    );
  });
});

function count(outcomes: VoteOutcome[]): Partial<Record<VoteOutcome, number>> {
  const tally: Partial<Record<VoteOutcome, number>> = {};
  for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
  return tally;
}
