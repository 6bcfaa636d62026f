import type { FastifyInstance } from 'fastify';
import { formatPath } from '../config/interpolate.js';
import { QueueUnavailableError } from '../core/errors.js';
import { kindOf, readableIssue } from '../core/issues.js';
import { EventPayload } from '../core/payload.js';
import { sendError } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { verifySignatureHeader } from '../security/signing.js';
import type { EventIngestor } from './ingest.js';

export interface EventsRouteOptions {
  ingestor: EventIngestor;
  /** Read on every request so a reloaded secret applies at once. */
  secrets: () => readonly string[];
  metrics: Metrics;
  logger: Logger;
}

/**
 * POST /hooks/events: verify the HMAC on the raw bytes, then parse, then store. 202 is sent
 * only once the event is in Redis.
 */
export function registerEventsRoute(app: FastifyInstance, options: EventsRouteOptions): void {
  app.post('/hooks/events', async (request, reply) => {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) {
      options.metrics.eventsRejected.inc({ reason: 'body' });
      return sendError(reply, 400, 'bad_body', 'a JSON body is required');
    }
    const signature = request.headers['x-signature-256'];
    if (
      !verifySignatureHeader(options.secrets(), raw, typeof signature === 'string' ? signature : undefined)
    ) {
      options.metrics.eventsRejected.inc({ reason: 'signature' });
      return sendError(
        reply,
        401,
        'bad_signature',
        'missing or invalid X-Signature-256 (sha256=<hex HMAC-SHA256 of the raw body>)',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      options.metrics.eventsRejected.inc({ reason: 'body' });
      return sendError(reply, 400, 'bad_json', `the body is not valid JSON: ${(error as Error).message}`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      options.metrics.eventsRejected.inc({ reason: 'body' });
      const message = `must be a JSON object, got ${kindOf(json)}`;
      return sendError(reply, 400, 'bad_body', `(body): ${message}`, {
        field: '(body)',
        problems: [{ field: '(body)', message }],
      });
    }
    const parsed = EventPayload.safeParse(json, { error: readableIssue });
    if (!parsed.success) {
      options.metrics.eventsRejected.inc({ reason: 'body' });
      const problems = parsed.error.issues.map((issue) => ({
        field: formatPath(issue.path),
        message: issue.message,
      }));
      const first = problems[0]!;
      return sendError(reply, 400, 'bad_body', `${first.field}: ${first.message}`, {
        field: first.field,
        problems,
      });
    }
    const requestId = request.headers['x-request-id'];
    try {
      const accepted = await options.ingestor.accept(
        parsed.data,
        typeof requestId === 'string' ? requestId : undefined,
      );
      return reply.code(202).send(accepted);
    } catch (error) {
      if (error instanceof QueueUnavailableError) {
        options.logger.error({ err: error.cause ?? error }, 'event not stored: Redis unavailable');
        reply.header('retry-after', '5');
        return sendError(reply, 503, 'unavailable', error.message);
      }
      throw error;
    }
  });
}
