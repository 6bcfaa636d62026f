/**
 * Removes secrets from anything about to be logged or shown: known secret values wherever they
 * appear inside strings, values under secret-looking keys at any depth, and the secret parts of
 * URLs (credentials, query strings and paths of webhook URLs).
 */
const SECRET_KEY =
  /(secret|token|password|passwd|authorization|api[-_]?key|app[-_]?key|routing[-_]?key|dsn|cookie|signature|webhook[-_]?url|^pat$|credential)/i;
export const REDACTED = '[redacted]';

export class Redactor {
  private secrets: string[];

  constructor(secrets: Iterable<string> = []) {
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  /** Rotation or reload: redaction follows the current set of secrets. */
  replaceSecrets(secrets: Iterable<string>): void {
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Deep copy with secrets removed; cycles and depth are bounded so logging never throws. */
  value(input: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object') return input;
    if (depth > 8 || seen.has(input)) return '[…]';
    seen.add(input);
    if (input instanceof Error) {
      const out: Record<string, unknown> = { type: input.name, message: this.text(input.message) };
      if (input.stack) out.stack = this.text(input.stack);
      const code = (input as { code?: unknown }).code;
      if (code !== undefined) out.code = code;
      return out;
    }
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      out[key] =
        SECRET_KEY.test(key) && value !== undefined && value !== null
          ? REDACTED
          : this.value(value, depth + 1, seen);
    }
    return out;
  }
}

/** A URL safe to print: scheme, host and port only, the rest elided. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : '/…'}`;
  } catch {
    return '[invalid url]';
  }
}
