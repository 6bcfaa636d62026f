import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/core/payload.js';
import { NotificationRateLimiter } from '../../src/events/rate-limit.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';

const redis = testRedis();
const prefix = uniquePrefix('ratelimit');
afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

function event(n: number): StoredEvent {
  return {
    id: `ev-${n}`,
    receivedAt: 0,
    payload: {
      id: `ev-${n}`,
      event: 'implementation_failed',
      timestamp: '2026-01-01T00:00:00Z',
      spec: { id: `FEAT-${n}` },
    },
  };
}

describe('notification rate limit', () => {
  it('admits up to max_per_hour, then holds events in order until the oldest send leaves the window', async () => {
    const limiter = new NotificationRateLimiter(redis, prefix, { maxPerHour: 2 });
    const t0 = 1_000_000_000_000;
    expect(await limiter.admitEvent('slack', event(1), t0)).toEqual({ admitted: true });
    expect(await limiter.admitEvent('slack', event(2), t0 + 1000)).toEqual({ admitted: true });
    expect(await limiter.admitEvent('slack', event(3), t0 + 2000)).toEqual({
      admitted: false,
      retryAt: t0 + 3_600_000,
    });
    expect(await limiter.admitEvent('slack', event(4), t0 + 3000)).toEqual({
      admitted: false,
      retryAt: t0 + 3_600_000,
    });
    // Once the window allows a send again, new events still queue behind the held ones.
    expect(await limiter.admitEvent('slack', event(5), t0 + 3_600_001)).toEqual({
      admitted: false,
      retryAt: t0 + 3_600_001,
    });
    expect(await limiter.heldCount('slack')).toBe(3);

    const batch = await limiter.takeHeld('slack', 'digest-1');
    expect(batch.map((e) => e.id)).toEqual(['ev-3', 'ev-4', 'ev-5']);
    // The batch belongs to its digest job: taking again (a retry) returns the same events.
    expect((await limiter.takeHeld('slack', 'digest-1')).map((e) => e.id)).toEqual(['ev-3', 'ev-4', 'ev-5']);
    expect(await limiter.heldCount('slack')).toBe(0);
    expect(await limiter.admitDigest('slack', t0 + 3_600_001)).toEqual({ admitted: true });
    await limiter.finishBatch('slack', 'digest-1');
    expect(await limiter.takeHeld('slack', 'digest-1')).toEqual([]);
  });

  it('applies max_per_day across hours, and keeps destinations apart', async () => {
    const limiter = new NotificationRateLimiter(redis, prefix, { maxPerHour: 10, maxPerDay: 3 });
    const t0 = 1_100_000_000_000;
    for (let i = 0; i < 3; i++)
      expect(await limiter.admitEvent('teams', event(i), t0 + i * 3_600_000)).toEqual({ admitted: true });
    expect(await limiter.admitEvent('teams', event(9), t0 + 4 * 3_600_000)).toEqual({
      admitted: false,
      retryAt: t0 + 86_400_000,
    });
    expect(await limiter.admitEvent('discord', event(9), t0 + 4 * 3_600_000)).toEqual({ admitted: true });
  });

  it('shares one window between processes through Redis', async () => {
    const other = testRedis();
    try {
      const a = new NotificationRateLimiter(redis, prefix, { maxPerHour: 1 });
      const b = new NotificationRateLimiter(other, prefix, { maxPerHour: 1 });
      const t0 = 1_200_000_000_000;
      expect(await a.admitEvent('email', event(1), t0)).toEqual({ admitted: true });
      expect(await b.admitEvent('email', event(2), t0 + 1)).toMatchObject({ admitted: false });
    } finally {
      other.disconnect();
    }
  });
});
