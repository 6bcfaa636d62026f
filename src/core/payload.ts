import { z } from 'zod';
import { EVENT_NAMES } from './events.js';
import { unknownEventHint } from './suggest.js';

/**
 * The Integrations Guide's webhook payload. Unknown top-level keys are kept (producers add
 * their own context) but every key we read is checked, so a bad body names its field.
 */
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

export const SpecRef = z.looseObject({
  id: z.string().min(1).max(200),
  title: z.string().max(1000).optional(),
  file: z.string().max(1000).optional(),
  status: z.string().max(100).optional(),
  severity: z.string().max(50).optional(),
  url: httpUrl.optional(),
});

export const PullRequestRef = z.looseObject({
  number: z.number().int().positive(),
  url: httpUrl.optional(),
  title: z.string().max(1000).optional(),
});

export const RepositoryRef = z.looseObject({
  owner: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
});

export const ErrorRef = z.looseObject({
  message: z.string().max(10_000),
  logs_url: httpUrl.optional(),
});

/**
 * What a readiness gate reports with `readiness_exception` (which gate, why); the workflow adds
 * the exception's state to the events it raises. Unknown keys are kept.
 */
export const ReadinessRef = z.looseObject({
  gate: z.string().min(1).max(200).optional(),
  reason: z.string().max(2000).optional(),
});

export const EventPayload = z.looseObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.@-]+$/, 'may contain only letters, digits and . _ @ -')
    .optional(),
  event: z.enum(EVENT_NAMES, {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `unknown event ${JSON.stringify(issue.input)} (${unknownEventHint(String(issue.input))})`,
  }),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  spec: SpecRef.optional(),
  pr: PullRequestRef.optional(),
  repository: RepositoryRef.optional(),
  branch: z.string().max(500).optional(),
  error: z.union([z.string().max(10_000), ErrorRef]).optional(),
  logs_url: httpUrl.optional(),
  review_requested: z.array(z.string().max(200)).max(50).optional(),
  readiness: ReadinessRef.optional(),
});
export type EventPayload = z.infer<typeof EventPayload>;

/** An event once accepted: it has an id and a timestamp, and knows when we received it. */
export interface StoredEvent {
  id: string;
  receivedAt: number;
  payload: EventPayload & { id: string; timestamp: string };
}

export function errorText(payload: EventPayload): string | undefined {
  if (payload.error === undefined) return undefined;
  return typeof payload.error === 'string' ? payload.error : payload.error.message;
}

export function logsUrl(payload: EventPayload): string | undefined {
  if (payload.logs_url) return payload.logs_url;
  return typeof payload.error === 'object' ? payload.error.logs_url : undefined;
}
