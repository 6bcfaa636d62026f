import { readFileSync } from 'node:fs';
import type { ConfigProblem } from '../core/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  value: unknown;
  problems: ConfigProblem[];
  /** Values read from secret files: always treated as secrets, whatever key holds them. */
  fileSecrets: string[];
}

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)\}/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Replaces `${VAR}`, `${VAR:-default}` and `${file:/path}` in every string of a parsed YAML
 * tree. `$${` stands for a literal `${`. Problems name the variable and the key path.
 */
export function interpolate(tree: unknown, env: Env): Interpolated {
  const problems: ConfigProblem[] = [];
  const fileSecrets: string[] = [];

  const expand = (text: string, path: PropertyKey[]): string =>
    text.replace(PLACEHOLDER, (match, expr: string | undefined) => {
      if (match === '$${') return '${';
      const body = (expr ?? '').trim();
      if (body.startsWith('file:')) {
        const file = body.slice('file:'.length);
        try {
          const content = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
          fileSecrets.push(content);
          return content;
        } catch (error) {
          const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
          problems.push({ path: formatPath(path), message: `cannot read secret file ${file} (${reason})` });
          return '';
        }
      }
      const separator = body.indexOf(':-');
      const name = separator === -1 ? body : body.slice(0, separator);
      const fallback = separator === -1 ? undefined : body.slice(separator + 2);
      if (!VAR_NAME.test(name)) {
        problems.push({
          path: formatPath(path),
          message: `"\${${body}}" is not a valid placeholder`,
          hint: 'use ${VAR}, ${VAR:-default} or ${file:/path}',
        });
        return '';
      }
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      problems.push({
        path: formatPath(path),
        message: `environment variable ${name} is not set`,
        hint: `export ${name}, or write \${${name}:-default}`,
      });
      return '';
    });

  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      const expanded = expand(node, path);
      // `${VAR:-}` that comes out empty means "not set", so optional keys stay optional.
      return expanded === '' && node !== '' ? undefined : expanded;
    }
    if (Array.isArray(node)) {
      // A list entry that comes out unset is left out (e.g. the second secret during rotation).
      return node.map((item, i) => walk(item, [...path, i])).filter((item) => item !== undefined);
    }
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        const expanded = walk(value, [...path, key]);
        if (expanded !== undefined) out[key] = expanded;
      }
      return out;
    }
    return node;
  };

  return { value: walk(tree, []), problems, fileSecrets };
}
