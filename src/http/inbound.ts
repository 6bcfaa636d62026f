import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import { sendError } from './errors.js';

/** What the body helpers of an inbound webhook route count a refused body in, where it has metrics. */
export interface InboundDependencies {
  metrics?: Metrics;
}

/** The raw bytes of a JSON request (kept by the server for signature checks), or an answered 400. */
export function rawJsonBody(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: InboundDependencies,
): Buffer | undefined {
  if (Buffer.isBuffer(request.body)) return request.body;
  deps.metrics?.eventsRejected.inc({ reason: 'body' });
  sendError(reply, 400, 'bad_body', 'a JSON body (Content-Type: application/json) is required');
  return undefined;
}

/** The JSON of bytes already authenticated, or undefined once a 400 has been answered. */
export function readJson(
  raw: Buffer,
  reply: FastifyReply,
  deps: InboundDependencies,
): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(raw.toString('utf8')) };
  } catch (error) {
    deps.metrics?.eventsRejected.inc({ reason: 'body' });
    sendError(reply, 400, 'bad_json', `the body is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
}
