import type { z } from 'zod';
import { formatPath } from '../config/interpolate.js';
import type { CommandSpec } from '../core/command.js';
import type { UserFacingError } from '../core/errors.js';
import { splitFlags, tokenize } from './tokenize.js';

export type Resolution<C extends CommandSpec = CommandSpec> =
  | { kind: 'command'; command: C; args: Record<string, unknown> }
  | { kind: 'unknown'; word: string }
  | { kind: 'usage'; command: C; problem: string };

/** Finds the command a text names (two-word names first) and validates its arguments. */
export function resolveCommand<C extends CommandSpec>(text: string, commands: readonly C[]): Resolution<C> {
  let tokens: string[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    const help = commands.find((c) => c.name === 'help')!;
    return { kind: 'usage', command: help, problem: (error as UserFacingError).message };
  }
  if (tokens.length === 0) return resolveCommand('help', commands);
  const two = tokens.slice(0, 2).join(' ').toLowerCase();
  const one = tokens[0]!.toLowerCase();
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === one);
  if (!command)
    return {
      kind: 'unknown',
      word: tokens.slice(0, commands.some((c) => c.name.startsWith(`${one} `)) ? 2 : 1).join(' '),
    };
  const words = tokens.slice(command.name.split(' ').length);
  const built = buildArgs(command, words);
  if (typeof built === 'string') return { kind: 'usage', command, problem: built };
  return { kind: 'command', command, args: built };
}

/** Turns words into the command's argument object, or says what is wrong with them. */
export function buildArgs(command: CommandSpec, words: readonly string[]): Record<string, unknown> | string {
  const { positionals, flags } = splitFlags(words);
  const names = command.positionals;
  const input: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const isLast = i === names.length - 1;
    const value = isLast && command.rest ? positionals.slice(i).join(' ') : positionals[i];
    if (value !== undefined && value !== '') input[names[i]!] = value;
  }
  if (!command.rest && positionals.length > names.length) {
    return `unexpected "${positionals.slice(names.length).join(' ')}"`;
  }
  const known = Object.keys(command.args.shape);
  for (const [flag, value] of Object.entries(flags)) {
    if (!known.includes(flag) || names.includes(flag)) return `unknown option --${flag}`;
    input[flag] = value === true ? 'true' : value;
  }
  return validate(command.args, input);
}

export function validate(
  schema: z.ZodObject,
  input: Record<string, unknown>,
): Record<string, unknown> | string {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const issue = parsed.error.issues[0]!;
  const field = formatPath(issue.path);
  const missing = issue.code === 'invalid_type' && input[field] === undefined;
  return `${field ? `<${field}> ` : ''}${missing ? 'is missing' : issue.message}`;
}
