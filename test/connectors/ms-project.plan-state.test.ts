import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanState } from '../../src/connectors/ms-project/plan-state.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';

let redis: Redis;
const prefix = uniquePrefix('plan-state');

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await dropPrefix(prefix);
  redis.disconnect();
});

describe("Planner's shared plan state", () => {
  it('gives each poll cadence to one process: a second one asking in the same interval is refused', async () => {
    const one = new PlanState(redis, prefix, 'plan-a', 60_000);
    const other = new PlanState(redis, prefix, 'plan-a', 60_000);
    expect(await one.takeTurn(5_000)).toBe(true);
    expect(await other.takeTurn(5_000)).toBe(false);
    // Another plan is polled on its own cadence.
    expect(await new PlanState(redis, prefix, 'plan-b', 60_000).takeTurn(5_000)).toBe(true);
  });

  it('remembers a create under way until its task is recorded, and what Threadline wrote', async () => {
    const state = new PlanState(redis, prefix, 'plan-c', 60_000);
    await state.intend('FEAT-0001');
    expect(await state.lookup('FEAT-0001')).toEqual({ fresh: false, intended: true });
    await state.created('FEAT-0001', 'task-1', 0);
    expect(await state.lookup('FEAT-0001')).toEqual({ taskId: 'task-1', fresh: false, intended: false });
    await state.wrote('task-1', 50);
    expect((await state.seen(['task-1'])).get('task-1')).toEqual({ seen: { percent: 0 }, wrote: 50 });
  });
});
