import type { FastifyReply } from 'fastify';

/** Every error body has the same shape: `{ "error": { "code", "message", ...details } }`. */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): FastifyReply {
  return reply.code(status).send({ error: { code, message, ...details } });
}
