import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { EVENT_NAMES } from '../core/events.js';
import { type Env, formatPath, interpolate } from './interpolate.js';
import { applyEnvironmentDefaults, requiredWhenEnabled } from './requirements.js';
import { type ThreadlineConfig, ThreadlineConfigSchema } from './schema.js';
import { collectSecrets } from './secrets.js';
import { closest } from './suggest.js';

export interface LoadedConfig {
  config: Readonly<ThreadlineConfig>;
  /** Every secret value in the config, for log and error redaction. */
  secrets: readonly string[];
  source: string;
}

/** Reads, interpolates and validates a config file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: Env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ path: '', message: `cannot read config file ${file} (${reason})` }]);
  }
  return parseConfigText(text, env, file);
}

export function parseConfigText(text: string, env: Env, source = '<inline>'): LoadedConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => ({
        path: '',
        message: `YAML syntax error at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const raw = document.toJS() ?? {};
  const { value, problems, fileSecrets } = interpolate(raw, env);
  const withDefaults = applyEnvironmentDefaults(value, env);
  const parsed = ThreadlineConfigSchema.safeParse(withDefaults, { reportInput: true });
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(toProblems));
  else problems.push(...requiredWhenEnabled(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(dedupe(problems));
  return {
    config: deepFreeze(parsed.data),
    secrets: [...new Set([...collectSecrets(parsed.data), ...fileSecrets])],
    source,
  };
}

type Issue = z.core.$ZodIssue;

function toProblems(issue: Issue): ConfigProblem[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      return {
        path: path === '' ? key : `${path}.${key}`,
        message: 'unknown key',
        hint: suggestion
          ? `did you mean "${suggestion}"?`
          : known.length
            ? `known keys: ${known.join(', ')}`
            : undefined,
      };
    });
  }
  if (
    issue.code === 'invalid_value' &&
    issue.values.length === EVENT_NAMES.length &&
    typeof issue.input === 'string'
  ) {
    const suggestion = closest(issue.input, EVENT_NAMES);
    return [
      {
        path,
        message: `unknown event "${issue.input}"`,
        hint: suggestion ? `did you mean "${suggestion}"?` : 'see docs/events.md for the event catalogue',
      },
    ];
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: 'is required' }];
  }
  // Zod's own messages never echo the input, so they are safe for secret fields too.
  return [{ path, message: issue.message }];
}

type Node = { _zod: { def: Record<string, unknown> & { type: string } } };

/** The keys a strict object at `path` accepts, found by walking the schema. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let node: Node | undefined = unwrap(ThreadlineConfigSchema as unknown as Node);
  for (const part of path) {
    if (!node) return [];
    const def = node._zod.def;
    if (def.type === 'object') node = unwrap((def.shape as Record<string, Node>)[String(part)]);
    else if (def.type === 'array') node = unwrap(def.element as Node);
    else if (def.type === 'record') node = unwrap(def.valueType as Node);
    else return [];
  }
  if (node?._zod.def.type !== 'object') return [];
  return Object.keys(node._zod.def.shape as Record<string, Node>);
}

function unwrap(node: Node | undefined): Node | undefined {
  let current = node;
  while (current) {
    const def = current._zod.def;
    if (
      def.type === 'optional' ||
      def.type === 'default' ||
      def.type === 'nullable' ||
      def.type === 'prefault'
    ) {
      current = def.innerType as Node;
    } else if (def.type === 'pipe') {
      current = def.in as Node;
    } else {
      return current;
    }
  }
  return undefined;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
