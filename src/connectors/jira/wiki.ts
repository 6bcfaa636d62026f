/**
 * Jira wiki markup (Data Center's REST v2 takes descriptions and comments as wiki-markup
 * strings) for the plain text we send. Characters that open markup are escaped with a
 * backslash, except inside URLs, which the renderer links as they are and a backslash would break.
 */
const URL_PATTERN = /https?:\/\/[^\s|\]]+/g;

function escapePlain(text: string): string {
  return (
    text
      // Macros, links, tables and images open anywhere. A backslash is left as it is: doubled,
      // it would be a line break, and alone before a plain character Jira shows it.
      .replace(/[{}[\]|!]/g, '\\$&')
      // Emphasis and list markers only count next to a space or a line's edge. One pass, so a
      // marker with space on both sides gets one backslash (`\\` would be a line break).
      .replace(/(?<=^|\s)[*_+^~#-]|[*_+^~-](?=\s|$)/g, '\\$&')
  );
}

function escapeLine(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    out += escapePlain(line.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapePlain(line.slice(last));
}

/** Plain text as wiki markup: Jira renders each line break as one. */
export function wikiText(text: string): string {
  return text.split(/\r?\n/).map(escapeLine).join('\n');
}

export function wikiBulletList(items: readonly string[]): string {
  return items.map((item) => `* ${escapeLine(item.replace(/\r?\n/g, ' '))}`).join('\n');
}

/** A comment's delivery marker, in small grey text on its own last line. */
export function wikiMarker(marker: string): string {
  return `{color:#97a0af}${marker}{color}`;
}
