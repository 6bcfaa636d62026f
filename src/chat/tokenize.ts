import { UserFacingError } from '../core/errors.js';

/**
 * Splits command text the way a shell would: whitespace separates words, "double" or 'single'
 * quotes keep words together, and platforms' typographic quotes count as quotes too.
 */
export function tokenize(text: string): string[] {
  const normalised = text.replace(/[\u201C\u201D\u201E]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let inToken = false;
  for (const char of normalised) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inToken = true;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (quote) throw new UserFacingError(`unclosed ${quote} quote`);
  if (inToken) tokens.push(current);
  return tokens;
}

export interface ParsedWords {
  positionals: string[];
  flags: Record<string, string | true>;
}

/** `--name value`, `--name=value` and bare `--switch` (when followed by another flag or nothing). */
export function splitFlags(tokens: readonly string[]): ParsedWords {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.startsWith('--') && token.length > 2) {
      const body = token.slice(2);
      const eq = body.indexOf('=');
      if (eq !== -1) {
        flags[body.slice(0, eq)] = body.slice(eq + 1);
      } else if (i + 1 < tokens.length && !tokens[i + 1]!.startsWith('--')) {
        flags[body] = tokens[++i]!;
      } else {
        flags[body] = true;
      }
    } else {
      positionals.push(token);
    }
  }
  return { positionals, flags };
}
