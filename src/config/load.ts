import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { EVENT_NAMES } from '../core/events.js';
import { readableIssue } from '../core/issues.js';
import { didYouMean, unknownEventHint } from '../core/suggest.js';
import { type Env, formatPath, interpolate } from './interpolate.js';
import { applyEnvironmentDefaults, requiredWhenEnabled } from './requirements.js';
import { type ThreadlineConfig, ThreadlineConfigSchema } from './schema.js';
import { collectSecrets, SECRET_KEYS } from './secrets.js';

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
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(yamlProblems(document.errors, text, lineCounter));
  }
  const raw = document.toJS() ?? {};
  const { value, problems, fileSecrets } = interpolate(raw, env);
  const withDefaults = applyEnvironmentDefaults(value, env);
  const parsed = ThreadlineConfigSchema.safeParse(withDefaults, {
    reportInput: true,
    error: readableIssue,
  });
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(toProblems));
  else problems.push(...requiredWhenEnabled(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(dedupe(problems));
  return {
    config: deepFreeze(parsed.data),
    secrets: [...new Set([...collectSecrets(parsed.data), ...fileSecrets])],
    source,
  };
}

/**
 * One problem per line with a YAML error: the position, the parser's message, and the lines
 * it is about with a caret under the column. Later errors on the same line are the first one's
 * echoes.
 */
function yamlProblems(errors: readonly YAMLError[], text: string, lineCounter: LineCounter): ConfigProblem[] {
  const lines = text.split(/\r?\n/);
  const seen = new Set<number>();
  const problems: ConfigProblem[] = [];
  for (const error of errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    if (seen.has(line)) continue;
    seen.add(line);
    const number = (n: number) => String(n).padStart(String(line).length);
    const excerpt = (n: number) => `${number(n)} | ${maskSecrets(lines[n - 1] ?? '')}`.trimEnd();
    const errorLine = lines[line - 1] ?? '';
    // Tabs stay tabs so the caret lines up however the terminal shows them.
    const padding = errorLine.slice(0, col - 1).replace(/[^\t]/g, ' ');
    problems.push({
      path: '',
      message: [
        `YAML syntax error at line ${line}, column ${col}: ${error.message}`,
        ...(line > 1 ? [excerpt(line - 1)] : []),
        excerpt(line),
        `${' '.repeat(String(line).length)} | ${padding}^`,
      ].join('\n    '),
    });
  }
  return problems;
}

const SECRET_VALUE = new RegExp(
  `(\\b(?:${[...SECRET_KEYS, 'authorization'].join('|')})\\s*:\\s*)("[^"]*"?|'[^']*'?|[^\\s,}\\]#]+)`,
  'gi',
);

/** A config line as shown in an error: a literal secret's characters become `*` (placeholders stay). */
function maskSecrets(line: string): string {
  return line.replace(SECRET_VALUE, (match, key: string, value: string) =>
    value.includes('${') ? match : `${key}${'*'.repeat(value.length)}`,
  );
}

type Issue = z.core.$ZodIssue;

function toProblems(issue: Issue): ConfigProblem[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => ({
      path: path === '' ? key : `${path}.${key}`,
      message: 'unknown key',
      hint: didYouMean(key, known) ?? (known.length ? `known keys: ${known.join(', ')}` : undefined),
    }));
  }
  if (
    issue.code === 'invalid_value' &&
    issue.values.length === EVENT_NAMES.length &&
    typeof issue.input === 'string'
  ) {
    return [{ path, message: `unknown event "${issue.input}"`, hint: unknownEventHint(issue.input) }];
  }
  // readableIssue and the schema's own messages never echo the input, so secrets stay out.
  return [{ path, message: issue.message }];
}

/** A node of the config's JSON Schema, as far as finding the keys an object accepts needs. */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
}

let configJsonSchema: SchemaNode | undefined;

/** The keys an object at `path` accepts, read from the schema's JSON Schema (input side). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  configJsonSchema ??= z.toJSONSchema(ThreadlineConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as SchemaNode;
  let node: SchemaNode | undefined = configJsonSchema;
  for (const part of path) {
    node = withoutNull(node);
    if (node?.properties) node = node.properties[String(part)];
    else if (node?.items) node = node.items;
    else if (typeof node?.additionalProperties === 'object') node = node.additionalProperties;
    else return [];
  }
  return Object.keys(withoutNull(node)?.properties ?? {});
}

/** `X | null` is X for finding keys; any other union has no single set of keys. */
function withoutNull(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node?.anyOf) return node;
  const branches = node.anyOf.filter((branch) => branch.type !== 'null');
  return branches.length === 1 ? branches[0] : undefined;
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
