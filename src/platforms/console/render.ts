import type { Card } from '../../core/card.js';

const MARK: Record<Card['severity'], string> = {
  success: '✔',
  failure: '✘',
  warning: '!',
  info: '•',
  started: '…',
};

/** A card as plain terminal text: title, text, fields, links, then the buttons in brackets. */
export function renderConsoleCard(card: Card): string {
  const lines = [`${MARK[card.severity]} ${card.title}`];
  if (card.people && card.people.length > 0) lines.push(`  @ ${card.people.map((p) => p.name).join(', ')}`);
  if (card.text) lines.push(...card.text.split('\n').map((l) => `  ${l}`));
  for (const field of card.fields) lines.push(`  ${field.label}: ${field.value}`);
  for (const link of card.links) lines.push(`  ${link.label}: ${link.url}`);
  if (card.actions.length > 0)
    lines.push(
      `  ${card.actions.map((a) => `[${a.label}: ${a.id} ${a.value ?? ''}]`.replace(' ]', ']')).join(' ')}`,
    );
  if (card.footer) lines.push(`  — ${card.footer}`);
  return lines.join('\n');
}
