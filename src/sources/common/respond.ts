import type { FastifyInstance, FastifyReply } from 'fastify';
import { ignore } from '../../connectors/paging/inbound.js';
import { QueueUnavailableError } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Deliveries } from './deliveries.js';

/** While a source's block is off, its route tells the sender what turns it on. */
export function registerHookOff(app: FastifyInstance, path: string, howToEnable: string): void {
  app.post(path, async (_request, reply) =>
    sendError(reply, 404, 'hook_off', `POST ${path} is off: ${howToEnable}`),
  );
}

/** Wrong or missing credentials: 401 with the schemes a sender may use, and what to send. */
export function refuseCredentials(
  reply: FastifyReply,
  deps: { metrics?: Metrics },
  message: string,
): FastifyReply {
  deps.metrics?.eventsRejected.inc({ reason: 'signature' });
  reply.header('www-authenticate', 'Bearer realm="threadline", Basic realm="threadline"');
  return sendError(reply, 401, 'bad_credentials', message);
}

/** Redis not answering: 503 with Retry-After, so the provider sends the notification again. */
export function unavailable(
  reply: FastifyReply,
  error: unknown,
  logger: Logger,
  source: string,
): FastifyReply {
  if (!(error instanceof QueueUnavailableError)) throw error;
  logger.error({ err: error.cause ?? error }, `${source} notification not stored: Redis unavailable`);
  reply.header('retry-after', '5');
  return sendError(reply, 503, 'unavailable', error.message);
}

/**
 * Handles one delivery once: a repeat of a handled one (same provider delivery id) gets the first
 * answer again, marked `duplicate`; `work` answering nothing is a 202 `ignored` with `nothing`.
 */
export async function answerOnce(
  reply: FastifyReply,
  context: {
    deliveries: Deliveries;
    delivery: string | undefined;
    logger: Logger;
    source: string;
    nothing: string;
  },
  work: () => Promise<Record<string, unknown> | undefined>,
): Promise<FastifyReply> {
  try {
    const earlier = await context.deliveries.answered(context.delivery);
    if (earlier) return reply.code(202).send({ ...earlier, duplicate: true });
    const answer = await work();
    if (!answer) return ignore(reply, context.nothing);
    await context.deliveries.remember(context.delivery, answer);
    return reply.code(202).send(answer);
  } catch (error) {
    return unavailable(reply, error, context.logger, context.source);
  }
}
