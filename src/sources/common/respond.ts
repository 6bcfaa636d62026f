import type { FastifyInstance, FastifyReply } from 'fastify';
import { QueueUnavailableError } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import type { Logger } from '../../observability/logger.js';

/** While a source's block is off, its route tells the sender what turns it on. */
export function registerHookOff(app: FastifyInstance, path: string, howToEnable: string): void {
  app.post(path, async (_request, reply) =>
    sendError(reply, 404, 'hook_off', `POST ${path} is off: ${howToEnable}`),
  );
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
