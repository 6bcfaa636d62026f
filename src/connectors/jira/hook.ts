import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ticketCard } from '../../../cards/ticket.js';
import { errorMessage, isPermanent } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import { rawJsonBody, readJson } from '../../http/inbound.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { verifySignatureHeader } from '../../security/signing.js';
import type { TicketingConnector } from '../ticketing/ticketing.connector.js';

/** The part of Jira's issue webhook we read (`jira:issue_updated` with its changelog). */
const JiraIssueWebhook = z.looseObject({
  webhookEvent: z.string(),
  // Cloud names the actor by accountId, Data Center by name.
  user: z.looseObject({ accountId: z.string().optional(), name: z.string().optional() }).optional(),
  issue: z.looseObject({
    key: z.string().regex(/^[A-Z][A-Z0-9_]+-\d+$/),
    fields: z
      .looseObject({ summary: z.string().optional(), status: z.looseObject({ name: z.string() }).optional() })
      .optional(),
  }),
  changelog: z.looseObject({ items: z.array(z.looseObject({ field: z.string() })).default([]) }).optional(),
});

export interface StatusChange {
  key: string;
  status: string;
  title?: string;
  actor?: string;
}

/** A status change from a Jira webhook body, or undefined for any other change. */
export function statusChange(body: unknown): StatusChange | undefined {
  const parsed = JiraIssueWebhook.safeParse(body);
  if (!parsed.success || parsed.data.webhookEvent !== 'jira:issue_updated') return undefined;
  const { issue, changelog, user } = parsed.data;
  const status = issue.fields?.status?.name;
  if (!status || !changelog?.items.some((item) => item.field === 'status')) return undefined;
  return { key: issue.key, status, title: issue.fields?.summary, actor: user?.accountId ?? user?.name };
}

export interface JiraHookOptions {
  connector: TicketingConnector;
  /** `integrations.jira.webhook_secret`. */
  secret: string;
  chat: () => ChatSurface | undefined;
  logger: Logger;
}

/**
 * POST /hooks/jira: a Jira webhook (secret set, so Jira signs `X-Hub-Signature: sha256=<hex
 * HMAC-SHA256 of the body>`). A status change made in Jira replaces the ticket's card wherever
 * chat shows it. A change made by Threadline's own Jira user is our own call coming back: its
 * card was already updated by the command that made it, so it is acknowledged and dropped.
 */
export function registerJiraHook(app: FastifyInstance, options: JiraHookOptions): void {
  const { connector, logger } = options;
  const tracker = connector.tickets.tracker;
  app.post('/hooks/jira', async (request, reply) => {
    const raw = rawJsonBody(request, reply, {});
    if (!raw) return reply;
    const signature = request.headers['x-hub-signature'];
    if (!verifySignatureHeader([options.secret], raw, typeof signature === 'string' ? signature : undefined))
      return sendError(
        reply,
        401,
        'bad_signature',
        'missing or invalid X-Hub-Signature (sha256=<hex HMAC-SHA256 of the raw body>, keyed with integrations.jira.webhook_secret)',
      );
    const body = readJson(raw, reply, {});
    if (!body) return reply;
    const { json } = body;
    const change = statusChange(json);
    if (!change || !tracker.recognises(change.key))
      return reply.code(200).send({ ignored: 'not a status change' });
    try {
      if (change.actor && tracker.ownActor && change.actor === (await tracker.ownActor()))
        return reply.code(200).send({ ignored: 'our own change' });
      const specId = await connector.tickets.specOf(change.key);
      const card = ticketCard({
        system: tracker.system,
        key: change.key,
        title: change.title ?? change.key,
        status: change.status,
        url: (await connector.run(() => tracker.get(change.key))).url,
        specId,
      });
      const updated = (await options.chat()?.threads.updateEverywhere(change.key, card)) ?? 0;
      logger.info({ key: change.key, status: change.status, updated }, 'Jira status change shown in chat');
      return reply.code(200).send({ updated });
    } catch (error) {
      logger.warn({ err: error, key: change.key }, 'Jira status change not shown in chat');
      // A retry cannot help an issue we may not read (deleted, no permission): say so and stop.
      if (isPermanent(error)) return reply.code(200).send({ ignored: errorMessage(error) });
      // Jira retries a webhook that fails; a moment later Jira or Redis may answer.
      return sendError(reply, 503, 'unavailable', 'the change could not be applied now; Jira will retry');
    }
  });
}
