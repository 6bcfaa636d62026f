import { describe, expect, it } from 'vitest';
import { incidentCard } from '../../../cards/incident.js';
import type { Card, CardAction } from '../../../src/core/card.js';
import { renderSlackCard, slashResponse } from '../../../src/platforms/slack/render.js';
import type { Incident } from '../../../src/workflows/incidents.js';
import { blockProblem, type SlackBlockJson } from '../../fakes/slack-api.js';
import { buttons, type Json } from './support.js';

const incident: Incident = {
  id: 'INC-42',
  title: 'checkout 500s <!channel>',
  service: 'payments',
  severity: 'critical',
  status: 'triggered',
  createdAt: '2026-11-22T10:00:00.000Z',
  createdBy: 'slack:U123',
  history: [{ at: '2026-11-22T10:00:00.000Z', by: 'slack:U123', action: 'triggered' }],
};

function card(actions: CardAction[], extra: Partial<Card> = {}): Card {
  return { title: 'Card', severity: 'info', fields: [], links: [], actions, ...extra };
}

function valid(message: { blocks: unknown[] }): void {
  expect(blockProblem(message.blocks as SlackBlockJson[])).toBeUndefined();
}

describe('Slack rendering of chat cards', () => {
  it('renders the incident card with its buttons above the footer', () => {
    const message = renderSlackCard(incidentCard(incident));
    valid(message);
    const types = message.blocks.map((b) => b.type);
    expect(types).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🚨 INC-42: checkout 500s <!channel>', emoji: true },
    });
    // The untrusted title cannot ping anyone in mrkdwn (the fallback text).
    expect(message.text).not.toContain('<!channel>');
    expect(buttons(message).map((b) => [b.action_id, b.text.text, b.style, b.value])).toEqual([
      ['incident.ack', 'Acknowledge', 'primary', 'INC-42'],
      ['incident.resolve', 'Resolve', undefined, 'INC-42'],
      ['incident.escalate', 'Escalate', 'danger', 'INC-42'],
    ]);
    expect(buttons(message)[1]!.confirm).toEqual({
      title: { type: 'plain_text', text: 'Resolve INC-42?', emoji: true },
      text: { type: 'plain_text', text: 'This closes the incident for everyone.', emoji: true },
      confirm: { type: 'plain_text', text: 'Resolve', emoji: true },
      deny: { type: 'plain_text', text: 'Cancel', emoji: true },
    });
  });

  it('renders a card without buttons exactly like a notification', () => {
    const message = renderSlackCard(card([], { text: 'hello', footer: 'Threadline' }));
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });

  it('puts at most 25 buttons in one actions block', () => {
    const actions = Array.from({ length: 30 }, (_, i) => ({
      id: `a.${i}`,
      label: `Button ${i}`,
      value: `${i}`,
    }));
    const message = renderSlackCard(card(actions));
    valid(message);
    const blocks = message.blocks.filter((b) => b.type === 'actions') as Json[];
    expect(blocks.map((b) => b.elements.length)).toEqual([25, 5]);
    expect(blocks.map((b) => b.block_id)).toEqual(['tl.actions.0', 'tl.actions.1']);
  });

  it('keeps action ids unique when a card repeats one', () => {
    const message = renderSlackCard(
      card([
        { id: 'waiver.approve', label: 'Approve W-1', value: 'W-1' },
        { id: 'waiver.approve', label: 'Approve W-2', value: 'W-2' },
      ]),
    );
    valid(message);
    expect(buttons(message).map((b) => b.action_id)).toEqual(['waiver.approve', 'waiver.approve#1']);
  });

  it('cuts long labels and confirm texts visibly, and names buttons it had to leave out', () => {
    const message = renderSlackCard(
      card([
        {
          id: 'a.long',
          label: `${'L'.repeat(100)}\u0007`,
          value: 'x',
          style: 'danger',
          confirm: { title: 'T'.repeat(150), text: 'X'.repeat(400), confirm: 'C'.repeat(40), deny: '' },
        },
        { id: 'a.huge', label: 'Huge', value: 'v'.repeat(2_001) },
      ]),
    );
    valid(message);
    const [shown] = buttons(message);
    expect(shown!.text.text).toHaveLength(75);
    expect(shown!.text.text.endsWith('…')).toBe(true);
    expect(shown!.confirm.title.text).toHaveLength(100);
    expect(shown!.confirm.text.text).toHaveLength(300);
    expect(shown!.confirm.deny.text).toBe('…');
    expect(shown!.confirm.style).toBe('danger');
    expect(buttons(message)).toHaveLength(1);
    expect(JSON.stringify(message.blocks.at(-1))).toContain('1 more button(s) not shown');
  });

  it('stays within 50 blocks and keeps the buttons when a card has too much to show', () => {
    const fields = Array.from({ length: 80 }, (_, i) => ({ label: `F${i}`, value: `v${i}`, inline: false }));
    const message = renderSlackCard(
      card([{ id: 'incident.ack', label: 'Acknowledge', value: 'INC-1' }], { fields, footer: 'Threadline' }),
    );
    valid(message);
    expect(message.blocks).toHaveLength(50);
    expect(message.blocks.at(-2)!.type).toBe('actions');
    expect(JSON.stringify(message.blocks)).toContain('more block(s) not shown');
  });

  it("mentions the card's people by their Slack id, and nothing a title says", () => {
    const message = renderSlackCard(
      card([], {
        title: '⏫ INC-9 escalated to alice, <@U0STRANGER> @channel',
        people: [
          { name: 'alice', slack: 'U0ALICE', discord: '80351110224678912' },
          { name: 'carol', teams: { id: '29:1c', name: 'Carol' } },
          { name: 'forged', slack: '<!here>' },
          { name: 'alice again', slack: 'U0ALICE' },
        ],
      }),
    );
    valid(message);
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<@U0ALICE>' } });
    expect(message.text.startsWith('<@U0ALICE> ')).toBe(true);
    // What Slack parses for mentions: the fallback text and mrkdwn (the header is plain_text).
    const parsed = [
      message.text,
      ...message.blocks.flatMap((b) => ('text' in b && b.text?.type === 'mrkdwn' ? [b.text.text] : [])),
    ].join('\n');
    expect(parsed).not.toContain('<@U0STRANGER>');
    expect(parsed).not.toContain('<!here>');
    expect(parsed).not.toContain('<!channel>');
    expect(parsed.match(/<@U0ALICE>/g)).toHaveLength(2);
  });

  it('adds no mention line for people without a Slack id', () => {
    const message = renderSlackCard(card([], { people: [{ name: 'carol', discord: '80351110224678912' }] }));
    expect(message.blocks.map((b) => b.type)).toEqual(['header']);
  });

  it('answers a slash command ephemerally or in the channel', () => {
    expect(slashResponse(card([]), 'ephemeral').response_type).toBe('ephemeral');
    expect(slashResponse(card([]), 'reply').response_type).toBe('in_channel');
  });
});
