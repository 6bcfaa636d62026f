import { describe, expect, it } from 'vitest';
import type { Card } from '../../../src/core/card.js';
import { renderDiscordCard } from '../../../src/platforms/discord/render.js';
import { messageProblem } from '../../fakes/discord-webhook.js';

const ALICE = '80351110224678912';
const BOB = '80351110224678913';

function card(extra: Partial<Card> = {}): Card {
  return { title: '⏫ INC-9 escalated', severity: 'warning', fields: [], links: [], actions: [], ...extra };
}

describe('Discord rendering of the people a card notifies', () => {
  it('pings exactly the configured people: their mentions in content, their ids in allowed_mentions', () => {
    const message = renderDiscordCard(
      card({
        title: '⏫ INC-9 escalated to alice <@1234567890123456> @everyone',
        people: [
          { name: 'alice', discord: ALICE, slack: 'U0ALICE' },
          { name: 'carol', slack: 'U0CAROL' },
          { name: 'bob', discord: BOB },
          { name: 'alice again', discord: ALICE },
        ],
      }),
    );
    expect(messageProblem(message)).toBeUndefined();
    expect(message.content).toBe(`<@${ALICE}> <@${BOB}>`);
    expect(message.allowed_mentions).toEqual({ parse: [], users: [ALICE, BOB] });
    expect(message.embeds[0]!.title).not.toContain('<@1234567890123456>');
  });

  it('pings nobody when no person has a Discord id', () => {
    const message = renderDiscordCard(card({ people: [{ name: 'carol', slack: 'U0CAROL' }] }));
    expect(message.content).toBeUndefined();
    expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  it('never takes anything but a snowflake as an id, and at most 100 of them', () => {
    const forged = renderDiscordCard(card({ people: [{ name: 'x', discord: '@everyone' }] }));
    expect(forged.allowed_mentions).toEqual({ parse: [] });
    const many = Array.from({ length: 120 }, (_, i) => ({
      name: `p${i}`,
      discord: String(80351110224678000n + BigInt(i)),
    }));
    const message = renderDiscordCard(card({ people: many }));
    const users = message.allowed_mentions.users!;
    expect(users.length).toBeGreaterThan(80);
    expect(users.length).toBeLessThanOrEqual(100);
    expect(message.content!.length).toBeLessThanOrEqual(2000);
    // Whoever content names is pinged, and only they are.
    expect(message.content).toBe(users.map((id) => `<@${id}>`).join(' '));
  });
});
