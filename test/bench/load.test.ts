import { describe, expect, it } from 'vitest';
import { openLoad } from '../../bench/lib/load.js';

/** Scheduled send times (ms after the first) of a short open load. */
async function schedule(
  warmupRamp: boolean,
): Promise<{ times: number[]; warm: boolean[]; measureFrom: number }> {
  const times: number[] = [];
  const warm: boolean[] = [];
  const load = await openLoad({
    rate: 200,
    warmupS: 0.2,
    durationS: 0.1,
    warmupRamp,
    maxOutstanding: 1_000,
    send: async (_seq, t, isWarm) => {
      times.push(t);
      warm.push(isWarm);
      return true;
    },
  });
  const first = times[0]!;
  return { times: times.map((t) => t - first), warm, measureFrom: load.measureFrom - first };
}

describe('openLoad', () => {
  it('starts at the full rate without a ramp: 40 warm-up events 5 ms apart, then 20 measured', async () => {
    const { times, warm } = await schedule(false);
    expect(warm.filter(Boolean)).toHaveLength(40);
    expect(times).toHaveLength(60);
    expect(times[1]! - times[0]!).toBeCloseTo(5, 5);
    expect(times[59]! - times[58]!).toBeCloseTo(5, 5);
  });

  it('ramps the warm-up from 0 to the rate: half the warm-up events, ever closer together, then the rate', async () => {
    const { times, warm, measureFrom } = await schedule(true);
    expect(warm.filter(Boolean)).toHaveLength(20);
    expect(times).toHaveLength(40);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (let i = 1; i < 19; i++) expect(gaps[i]!).toBeLessThan(gaps[i - 1]!);
    expect(measureFrom).toBeCloseTo(200, 5);
    expect(times[20]).toBeCloseTo(200, 5);
    expect(times[39]! - times[38]!).toBeCloseTo(5, 5);
  });
});
