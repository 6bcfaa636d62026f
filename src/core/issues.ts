import type { z } from 'zod';

const NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  date: 'a date',
  null: 'null',
};

/** What a value is, in the words a message uses: `number`, `array`, `null`… */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * The one place zod's default messages become ours, for every boundary that validates input
 * (config file, event payloads, CLI payloads): pass it as `safeParse(value, { error: readableIssue })`.
 * A message set on the schema itself still wins. It names the kind of a wrong value, never the
 * value, so secrets cannot leak through it.
 */
export const readableIssue: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  return `must be ${NOUNS[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
};
