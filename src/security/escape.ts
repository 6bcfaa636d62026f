/**
 * Escaping of untrusted text (spec titles, branch names, error messages, reviewer names) for
 * each place it is shown. The goal is that nothing an event producer writes can ping people,
 * disguise a link, inject markup or break out of the structure we put it in.
 */

const ZWSP = '\u200B';

/** C0/C1 controls other than tab and newline: they confuse renderers and log viewers. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

function stripControls(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '');
}

/** `@everyone` → `@\u200Beveryone`: looks the same, pings nobody. */
const BROADCAST_PATTERNS = new Map<string, RegExp>();

function breakBroadcasts(text: string, words: readonly string[]): string {
  const key = words.join('|');
  let pattern = BROADCAST_PATTERNS.get(key);
  if (!pattern) {
    pattern = new RegExp(`@(${key})\\b`, 'gi');
    BROADCAST_PATTERNS.set(key, pattern);
  }
  return text.replace(pattern, `@${ZWSP}$1`);
}

/**
 * Slack mrkdwn. Escaping `& < >` is what Slack asks for and is enough to make `<!here>`,
 * `<@U123>` and `<http://evil|disguised>` impossible; literal `@channel` is broken as well
 * because `link_names` and some clients still expand it.
 */
export function escapeSlack(text: string): string {
  const escaped = stripControls(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return breakBroadcasts(escaped, ['channel', 'here', 'everyone']);
}

/** Slack plain_text objects are not parsed for links or mentions; only controls go. */
export function plainSlack(text: string): string {
  return stripControls(text);
}

const DISCORD_MARKDOWN = /[\\*_~`|[\]()]/g;
/** Headings (`#`, `-#` subtext), quotes and list markers only mean something at a line start. */
const LINE_START_MARKDOWN = /^(\s*)(#{1,6}(?=\s)|>|[-+](?=\s)|-#)/gm;

/**
 * Discord markdown. Every formatting character is backslash-escaped (so `[text](url)` cannot
 * become a masked link and headings, spoilers and quotes cannot be forced); `@everyone` and
 * `@here` are broken; `<@…>`, `<@&…>`, `<#…>`, `</cmd:…>` and `<t:…>` lose their meaning
 * because a zero-width space follows every `<`.
 */
export function escapeDiscord(text: string): string {
  const escaped = stripControls(text)
    .replace(DISCORD_MARKDOWN, (c) => `\\${c}`)
    .replace(LINE_START_MARKDOWN, '$1\\$2')
    .replace(/</g, `<${ZWSP}`);
  return breakBroadcasts(escaped, ['everyone', 'here']);
}

const TEAMS_MARKDOWN = /[\\*_~`[\]()|]/g;

/**
 * Adaptive Card / Teams markdown. Backslash escapes stop emphasis, headings and masked links;
 * a zero-width space after every `<` stops `<at>…</at>` mentions and any HTML Teams would
 * otherwise interpret. List markers only matter at the start of a line.
 */
export function escapeTeams(text: string): string {
  return stripControls(text)
    .replace(TEAMS_MARKDOWN, (c) => `\\${c}`)
    .replace(LINE_START_MARKDOWN, '$1\\$2')
    .replace(/^(\s*\d+)\.(\s)/gm, '$1\\.$2')
    .replace(/</g, `<${ZWSP}`);
}

/** HTML text and attribute values for e-mail bodies. */
export function escapeHtml(text: string): string {
  return stripControls(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A single header line: no CR/LF (header injection), runs of whitespace collapsed. */
export function headerSafe(text: string): string {
  return stripControls(text).replace(/\s+/g, ' ').trim();
}

/**
 * A link target that is safe inside any of our markups: only http(s), and the characters
 * that end a link in Slack (`| >`), markdown (`( ) [ ]`), or an HTML attribute are
 * percent-encoded. Undefined when the URL is unusable, so the caller drops the link.
 */
export function safeLinkUrl(url: string): string | undefined {
  const parsed = parseHttpUrl(url);
  if (!parsed) return undefined;
  return parsed.href.replace(
    /[|<>()[\]"' ]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

export const ELLIPSIS = '…';

/** Cuts to at most `max` UTF-16 units, ending in a visible ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const chars = Array.from(text);
  let out = '';
  for (const ch of chars) {
    if (out.length + ch.length > max - ELLIPSIS.length) break;
    out += ch;
  }
  return `${out.trimEnd()}${ELLIPSIS}`;
}

/**
 * Escapes and fits into `max` characters. The raw text is cut before escaping, never the
 * escaped text, so an escape sequence is never split into something meaningful.
 */
export function fitEscaped(raw: string, max: number, escapeFn: (text: string) => string): string {
  const full = escapeFn(raw);
  if (full.length <= max) return full;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, Math.max(0, max));
  const chars = Array.from(raw);
  // Escaping never shortens a prefix's output, so the longest fitting prefix can be bisected.
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (escapeFn(chars.slice(0, mid).join('')).trimEnd().length + ELLIPSIS.length <= max) low = mid;
    else high = mid - 1;
  }
  return `${escapeFn(chars.slice(0, low).join('')).trimEnd()}${ELLIPSIS}`;
}

/**
 * The parts of a destination URL that grant access: for chat webhooks the path and query are
 * the credential, and providers (or proxies in front of them) sometimes echo them back in an
 * error body that would otherwise end up in an error message.
 */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const parts = [url, `${parsed.pathname}${parsed.search}`, parsed.pathname, parsed.search.slice(1)];
  for (const segment of parsed.pathname.split('/')) parts.push(segment);
  for (const value of parsed.searchParams.values()) parts.push(value);
  for (const pair of parsed.search.slice(1).split('&')) parts.push(pair, pair.slice(pair.indexOf('=') + 1));
  // Short segments ("api", "services", ids like "T0") are not secret and would blank out words.
  return [...new Set(parts.filter((p) => p.length >= 12))];
}

/** Removes secrets from an error's message in place, so it can be rethrown as it is. */
export function scrubError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  let message = error.message;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0 && message.includes(secret)) message = message.split(secret).join('[redacted]');
  }
  error.message = message;
  return error;
}

/** The URL when it parses and is http(s); undefined for anything a link must not point at. */
export function parseHttpUrl(url: string): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
}
