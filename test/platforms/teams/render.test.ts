import { describe, expect, it } from 'vitest';
import type { Card } from '../../../src/core/card.js';
import { cardActivity } from '../../../src/platforms/teams/render.js';
import { activityProblems } from '../../fakes/bot-framework.js';

function card(extra: Partial<Card> = {}): Card {
  return { title: '⏫ INC-9 escalated', severity: 'warning', fields: [], links: [], actions: [], ...extra };
}

describe('Teams rendering of the people a card notifies', () => {
  it('@mentions each person with a Teams id through a Bot Framework mention entity', () => {
    const activity = cardActivity(
      card({
        people: [
          { name: 'alice', teams: { id: '29:1alice', name: 'Alice Example' } },
          { name: 'bob', slack: 'U0BOB' },
          { name: 'eve', teams: { id: '29:1eve', name: 'Eve <b>&</b>' } },
        ],
      }),
    );
    expect(activityProblems({ ...activity })).toEqual([]);
    expect(activity.text).toBe('<at>Alice Example</at> <at>Eve b/b</at>');
    expect(activity.textFormat).toBe('xml');
    expect(activity.entities).toEqual([
      {
        type: 'mention',
        text: '<at>Alice Example</at>',
        mentioned: { id: '29:1alice', name: 'Alice Example' },
      },
      { type: 'mention', text: '<at>Eve b/b</at>', mentioned: { id: '29:1eve', name: 'Eve b/b' } },
    ]);
  });

  it('addresses the asker and the people together, each once', () => {
    const activity = cardActivity(
      card({ people: [{ name: 'alice', teams: { id: '29:1alice', name: 'Alice' } }] }),
      {
        platform: 'teams',
        id: '29:1alice',
        name: 'Alice',
      },
    );
    expect(activity.entities).toHaveLength(1);
    expect(activity.text).toBe('<at>Alice</at>');
  });

  it('sends no text or entities when nobody is mentioned', () => {
    const activity = cardActivity(card({ people: [{ name: 'bob', slack: 'U0BOB' }] }));
    expect(activity.text).toBeUndefined();
    expect(activity.entities).toBeUndefined();
  });
});
