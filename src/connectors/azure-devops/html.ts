import { escapeHtml } from '../../security/escape.js';

/** Azure DevOps' description and comment fields are HTML: our plain text, escaped, one paragraph a line. */
export function htmlParagraphs(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('');
}

export function htmlList(items: readonly string[]): string {
  return `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}
