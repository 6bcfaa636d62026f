import { z } from 'zod';
import { secret } from '../../core/schema-primitives.js';

export const INCIDENT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** One value, or several while one is being rotated. */
export const oneOrMore = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const BasicAuth = z.strictObject({
  username: z.string().min(1, 'must not be empty').max(200),
  password: secret,
});

/** The incident's severity when a notification carries none Threadline knows. */
export const fallbackSeverity = z.enum(INCIDENT_SEVERITIES).default('error');
