import { describe, expect, it } from 'vitest';
import { readinessCard } from '../../cards/readiness.js';
import { renderDiscordCard } from '../../src/platforms/discord/render.js';
import { exceptionIdFor } from '../../src/workflows/readiness.js';

describe('readiness exception ids', () => {
  it("keep the event's id when it is short, so a sender's retry finds its exception", () => {
    expect(exceptionIdFor('FEAT-0001-gate-7')).toBe('FEAT-0001-gate-7');
  });

  it('hash a long id to a stable short one that still fits a Discord button', () => {
    const long = `FEAT-0001-${'x'.repeat(150)}`;
    const id = exceptionIdFor(long);
    expect(id).toMatch(/^rx-[0-9a-f]{32}$/);
    expect(exceptionIdFor(long)).toBe(id);
    const card = readinessCard({
      id: exceptionIdFor(`${'y'.repeat(56)}`),
      specId: 'FEAT-0001',
      status: 'open',
      openedAt: '2026-01-19T12:00:00.000Z',
      dueAt: '2026-01-19T16:00:00.000Z',
      history: [{ at: '2026-01-19T12:00:00.000Z', by: 'threadline', action: 'opened' }],
    });
    const shown = JSON.stringify(renderDiscordCard(card));
    expect(shown).toContain(`readiness.ack:${'y'.repeat(56)}`);
    expect(shown).toContain(`readiness.resolve:${'y'.repeat(56)}`);
  });
});
