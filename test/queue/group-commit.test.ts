import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/queue/group-commit.js';

function recorder(fail?: Error) {
  const writes: number[][] = [];
  const commit = new GroupCommit<number, number>(async (items) => {
    writes.push(items);
    if (fail) throw fail;
    return items.map((n) => n * 10);
  }, 4);
  return { writes, commit };
}

describe('group commit', () => {
  it('writes items submitted in the same turn together and answers each with its own result', async () => {
    const { writes, commit } = recorder();
    const results = await Promise.all([1, 2, 3].map((n) => commit.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it('closes a batch at its size limit', async () => {
    const { writes, commit } = recorder();
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => commit.submit(n)));
    expect(writes).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('writes items of later turns separately', async () => {
    const { writes, commit } = recorder();
    await commit.submit(1);
    await commit.submit(2);
    expect(writes).toEqual([[1], [2]]);
  });

  it('fails every caller of a batch whose write failed', async () => {
    const { commit } = recorder(new Error('redis went away'));
    const outcomes = await Promise.allSettled([1, 2].map((n) => commit.submit(n)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual([
      'redis went away',
      'redis went away',
    ]);
  });
});
