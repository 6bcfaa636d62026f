import type { Card } from '../../core/card.js';
import { headerSafe, parseHttpUrl, truncate } from '../../security/escape.js';

/** Enough for a title or an error's first sentence; a whole stack trace would bury the line. */
export const VALUE_MAX = 200;

/** Marks the notification lines among whatever else the process writes to stderr. */
export const LINE_MARKER = 'notification';

/**
 * Bidirectional overrides and isolates: in a terminal they can make a line read differently
 * from what it contains.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Sender text as one line: no control characters (so no terminal escapes), no line breaks. */
function oneLine(text: string, max = VALUE_MAX): string {
  return truncate(headerSafe(text.replace(BIDI_CONTROLS, '')), max);
}

/**
 * A link as a log line may show it: http(s) only, without user info, query or fragment, which
 * is where signed and token-bearing URLs keep their credentials. `?…` says a query was left out.
 */
export function printableUrl(url: string): string | undefined {
  const parsed = parseHttpUrl(url);
  if (!parsed) return undefined;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search ? '?…' : ''}`;
}

/**
 * The notification card as one line, laid out like the guide's message examples:
 *
 *   2026-05-04T09:12:03.512Z notification ❌ Spec Implementation Failed · ID: FEAT-0001 ·
 *   Title: User Authentication · Error: Schema validation failed · Logs: https://ci.example.com/runs/42 ·
 *   acme/specs · delivery 3f1c….log
 *
 * The delivery id is the same on every attempt and replay, so a repeated line can be told apart.
 */
export function logLine(card: Card, deliveryId: string, at: Date): string {
  const parts = [oneLine(card.title)];
  for (const field of card.fields) parts.push(`${field.label}: ${oneLine(field.value)}`);
  if (card.text) parts.push(oneLine(card.text));
  for (const link of card.links) {
    const url = printableUrl(link.url);
    if (url) parts.push(`${link.label}: ${url}`);
  }
  if (card.footer) parts.push(oneLine(card.footer));
  parts.push(`delivery ${deliveryId}`);
  return `${at.toISOString()} ${LINE_MARKER} ${parts.join(' · ')}`;
}
