import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorMessage, isPermanent } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import { rawJsonBody, readJson } from '../../http/inbound.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { applyStatusChange, type TrackerStatusChange } from '../ticketing/status-change.js';
import type { TicketingConnector } from '../ticketing/ticketing.connector.js';

/** Linear's window for `webhookTimestamp`: older deliveries may be replays. */
export const LINEAR_WEBHOOK_WINDOW_MS = 60_000;

/** The part of Linear's `Issue` webhook we read: an update whose `updatedFrom` has the old state. */
const LinearIssueWebhook = z.looseObject({
  action: z.string(),
  /** When the change happened: the same in every retry of its delivery (webhookTimestamp is not). */
  createdAt: z.string().optional(),
  type: z.string(),
  actor: z.looseObject({ id: z.string().optional() }).optional(),
  data: z.looseObject({
    identifier: z.string().regex(/^[A-Z][A-Z0-9]*-\d+$/),
    title: z.string().optional(),
    url: z.string().optional(),
    state: z.looseObject({ name: z.string() }).optional(),
  }),
  updatedFrom: z.looseObject({ stateId: z.string().optional() }).optional(),
});
const Envelope = z.looseObject({ webhookTimestamp: z.number() });

/** A state change from a Linear webhook body, or undefined for any other change. */
export function linearStatusChange(body: unknown): TrackerStatusChange | undefined {
  const parsed = LinearIssueWebhook.safeParse(body);
  if (!parsed.success) return undefined;
  const { type, action, data, updatedFrom, actor, createdAt } = parsed.data;
  if (type !== 'Issue' || action !== 'update' || updatedFrom?.stateId === undefined || !data.state)
    return undefined;
  return {
    key: data.identifier,
    status: data.state.name,
    title: data.title,
    url: data.url,
    actor: actor?.id,
    change: createdAt,
  };
}

/** `Linear-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the webhook's signing secret. */
export function verifyLinearSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header.toLowerCase(), 'hex'));
}

export interface LinearHookOptions {
  connector: TicketingConnector;
  /** `integrations.linear.webhook_secret`. */
  secret: string;
  chat: () => ChatSurface | undefined;
  logger: Logger;
  now?: () => number;
}

/**
 * POST /hooks/linear: a Linear webhook, signed in `Linear-Signature` and stamped with
 * `webhookTimestamp` (refused beyond a minute either way, so a captured body cannot be replayed
 * later). A state change made in Linear reaches chat through applyStatusChange (the ticket's
 * card, the spec's thread); one made by the API key's own user is our own call coming back,
 * acknowledged and dropped.
 */
export function registerLinearHook(app: FastifyInstance, options: LinearHookOptions): void {
  const { connector, logger } = options;
  const tracker = connector.tickets.tracker;
  const now = options.now ?? Date.now;
  app.post('/hooks/linear', async (request, reply) => {
    const raw = rawJsonBody(request, reply, {});
    if (!raw) return reply;
    const signature = request.headers['linear-signature'];
    if (!verifyLinearSignature(options.secret, raw, typeof signature === 'string' ? signature : undefined))
      return sendError(
        reply,
        401,
        'bad_signature',
        'missing or invalid Linear-Signature (hex HMAC-SHA256 of the raw body, keyed with integrations.linear.webhook_secret)',
      );
    const body = readJson(raw, reply, {});
    if (!body) return reply;
    const { json } = body;
    const envelope = Envelope.safeParse(json);
    if (!envelope.success || Math.abs(now() - envelope.data.webhookTimestamp) > LINEAR_WEBHOOK_WINDOW_MS)
      return sendError(
        reply,
        401,
        'stale_webhook',
        'webhookTimestamp is missing or more than 60 s from now; a replayed delivery is refused',
      );
    await connector.webhookSeen();
    const change = linearStatusChange(json);
    if (!change || !tracker.recognises(change.key))
      return reply.code(200).send({ ignored: 'not a status change' });
    try {
      const outcome = await applyStatusChange(connector, options.chat, change);
      if (!outcome.shown) return reply.code(200).send({ ignored: outcome.reason });
      logger.info(
        { key: change.key, status: change.status, ...outcome },
        'Linear state change shown in chat',
      );
      return reply.code(200).send({ updated: outcome.updated });
    } catch (error) {
      logger.warn({ err: error, key: change.key }, 'Linear state change not shown in chat');
      if (isPermanent(error)) return reply.code(200).send({ ignored: errorMessage(error) });
      // Linear retries a delivery that fails (after a minute, then an hour, then six hours).
      return sendError(reply, 503, 'unavailable', 'the change could not be applied now; Linear will retry');
    }
  });
}
