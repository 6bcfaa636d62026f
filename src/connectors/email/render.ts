import { cardLines, linkCaption } from '../../../cards/notification.js';
import type { Card, CardSeverity } from '../../core/card.js';
import { escapeHtml, headerSafe, safeLinkUrl, truncate } from '../../security/escape.js';

export const SUBJECT_PREFIX = '[Threadline]';
const SUBJECT_MAX = 200;

const ACCENTS: Record<CardSeverity, string> = {
  success: '#2eb67d',
  failure: '#e01e5a',
  warning: '#ecb22e',
  info: '#36c5f0',
  started: '#36c5f0',
};

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** "[Threadline] ❌ Spec Implementation Failed: FEAT-0001" — one line whatever the input. */
export function emailSubject(headline: string, subject?: string): string {
  const line = subject === undefined ? headline : `${headline}: ${subject}`;
  return truncate(headerSafe(`${SUBJECT_PREFIX} ${line}`), SUBJECT_MAX);
}

function textLink(caption: string, url: string): string | undefined {
  const safe = safeLinkUrl(url);
  return safe ? `${caption} <${safe}>` : undefined;
}

export function renderEmail(card: Card, subject: string): EmailContent {
  const lines = cardLines(card, { text: (raw) => raw, link: textLink });
  if (card.footer) lines.push('', card.footer);
  return { subject, text: `${lines.join('\n')}\n`, html: renderHtml(card) };
}

function renderHtml(card: Card): string {
  const accent = ACCENTS[card.severity];
  const rows = card.fields
    .map(
      (f) =>
        `<tr><th align="left" valign="top" style="padding:4px 12px 4px 0">${escapeHtml(f.label)}</th>` +
        `<td style="padding:4px 0;white-space:pre-wrap">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const links = card.links
    .map((l) => {
      const url = safeLinkUrl(l.url);
      return url ? `<a href="${escapeHtml(url)}">${escapeHtml(linkCaption(l))}</a>` : undefined;
    })
    .filter((l): l is string => l !== undefined);
  const parts = [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<h2 style="border-left:4px solid ${accent};padding-left:8px">${escapeHtml(card.title)}</h2>`,
  ];
  if (rows !== '') parts.push(`<table>${rows}</table>`);
  if (card.text) parts.push(`<p style="white-space:pre-wrap">${escapeHtml(card.text)}</p>`);
  if (links.length > 0) parts.push(`<p>${links.join(' · ')}</p>`);
  if (card.footer) parts.push(`<p style="color:#666;font-size:small">${escapeHtml(card.footer)}</p>`);
  parts.push('</body></html>');
  return parts.join('\n');
}
