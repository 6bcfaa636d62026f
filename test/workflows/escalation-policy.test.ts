import { describe, expect, it } from 'vitest';
import { describeDuration, parseDuration } from '../../src/workflows/duration.js';
import { EscalationsConfig, nextStep } from '../../src/workflows/escalations.js';

describe('an escalation policy', () => {
  const { policies } = EscalationsConfig.parse({
    policies: {
      twice: {
        repeat: 1,
        steps: [
          { wait: '5m', notify: ['oncall:primary'] },
          { wait: '10m', notify: ['slack:U0LEAD'], page: true },
        ],
      },
    },
  });
  const policy = policies.twice!;

  it('reads waits as durations in milliseconds', () => {
    expect(policy.steps.map((s) => s.wait)).toEqual([300_000, 600_000]);
    expect([parseDuration('250ms'), parseDuration('90s'), parseDuration('1h'), parseDuration('2d')]).toEqual([
      250, 90_000, 3_600_000, 172_800_000,
    ]);
    expect(parseDuration('soon')).toBeUndefined();
    expect(describeDuration(3_900_000)).toBe('1h 5m');
  });

  it('walks its steps, runs the chain again `repeat` times, then stops', () => {
    const walk: string[] = [];
    for (
      let at: { round: number; step: number } | undefined = { round: 0, step: 0 };
      at;
      at = nextStep(policy, at)
    )
      walk.push(`r${at.round}s${at.step}`);
    expect(walk).toEqual(['r0s0', 'r0s1', 'r1s0', 'r1s1']);
  });
});
