import type { Card, CardSeverity } from '../src/core/card.js';

/** A short answer to a command: what happened, in one card. */
export function resultCard(
  title: string,
  text?: string,
  severity: CardSeverity = 'info',
  fields: Card['fields'] = [],
): Card {
  return { title, text, severity, fields, links: [], actions: [] };
}

/** What went wrong and what to do next; never a stack trace. */
export function errorCard(message: string, hint?: string): Card {
  return {
    title: '⚠️ That did not work',
    text: hint ? `${message}\n${hint}` : message,
    severity: 'failure',
    fields: [],
    links: [],
    actions: [],
  };
}

export function pendingCard(text: string): Card {
  return { title: `⏳ ${text}`, severity: 'started', fields: [], links: [], actions: [] };
}
