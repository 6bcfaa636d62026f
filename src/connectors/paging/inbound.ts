import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { QueueUnavailableError } from '../../core/errors.js';
import { readableIssue } from '../../core/issues.js';
import { EventPayload } from '../../core/payload.js';
import { sendError } from '../../http/errors.js';

import { rawJsonBody, readJson } from '../../http/inbound.js';

export { rawJsonBody, readJson };

import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

/**
 * Where an inbound pager webhook's event goes: `EventIngestor.accept`, the same call as
 * POST /hooks/events, so the event is routed, rate limited and delivered like any other.
 */
export interface EventSink {
  accept(payload: EventPayload, requestId?: string): Promise<{ id: string; duplicate: boolean }>;
}

export interface PagerHookDependencies {
  sink: EventSink;
  logger: Logger;
  metrics?: Metrics;
  /** Told of every verified, well-formed webhook: the pager reaches us, so its status polling pauses. */
  webhooks?: { webhookSeen(pager: string): Promise<void> };
}

/** Records that a pager's webhook got through; a failure to record never costs the webhook itself. */
export async function noteWebhook(pager: string, deps: PagerHookDependencies): Promise<void> {
  try {
    await deps.webhooks?.webhookSeen(pager);
  } catch (error) {
    deps.logger.warn({ err: error, pager }, 'could not record the webhook for status polling');
  }
}

/** Validates a webhook body; a bad one is answered 400 naming the first wrong field (`event.data.title`). */
export function validate<T>(
  schema: z.ZodType<T>,
  json: unknown,
  reply: FastifyReply,
  deps: PagerHookDependencies,
): T | undefined {
  const parsed = schema.safeParse(json, { error: readableIssue });
  if (parsed.success) return parsed.data;
  deps.metrics?.eventsRejected.inc({ reason: 'body' });
  const problems = parsed.error.issues.map((issue) => ({
    field: fieldPath(issue.path),
    message: issue.message,
  }));
  const first = problems[0]!;
  sendError(reply, 400, 'bad_body', `${first.field}: ${first.message}`, { field: first.field, problems });
  return undefined;
}

/** A webhook Threadline does not act on is still a success for the sender, which would retry otherwise. */
export function ignore(reply: FastifyReply, reason: string): FastifyReply {
  return reply.code(202).send({ ignored: true, reason });
}

/** Hands the event to the pipeline; 202 once it is stored, 503 (with Retry-After) when Redis is not there. */
export async function acceptEvent(
  reply: FastifyReply,
  payload: EventPayload,
  deps: PagerHookDependencies,
): Promise<FastifyReply> {
  // Built by us from a validated webhook, but checked like any event so nothing malformed enters.
  const checked = EventPayload.parse(payload);
  try {
    const accepted = await deps.sink.accept(checked);
    return reply.code(202).send(accepted);
  } catch (error) {
    if (error instanceof QueueUnavailableError) {
      deps.logger.error({ err: error.cause ?? error }, 'pager webhook not stored: Redis unavailable');
      reply.header('retry-after', '5');
      return sendError(reply, 503, 'unavailable', error.message);
    }
    throw error;
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(body)' : out;
}

/** The raw body read as JSON and validated; undefined once the request has been answered 400/415. */
export function readValid<T>(
  schema: z.ZodType<T>,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: PagerHookDependencies,
): T | undefined {
  const raw = rawJsonBody(request, reply, deps);
  const body = raw && readJson(raw, reply, deps);
  return body ? validate(schema, body.json, reply, deps) : undefined;
}
