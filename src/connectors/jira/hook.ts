import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorMessage, isPermanent } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import { rawJsonBody, readJson } from '../../http/inbound.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { verifySignatureHeader } from '../../security/signing.js';
import { applyStatusChange, type TrackerStatusChange } from '../ticketing/status-change.js';
import type { TicketingConnector } from '../ticketing/ticketing.connector.js';

/** The part of Jira's issue webhook we read (`jira:issue_updated` with its changelog). */
const JiraIssueWebhook = z.looseObject({
  webhookEvent: z.string(),
  timestamp: z.number().optional(),
  // Cloud names the actor by accountId, Data Center by name.
  user: z.looseObject({ accountId: z.string().optional(), name: z.string().optional() }).optional(),
  issue: z.looseObject({
    key: z.string().regex(/^[A-Z][A-Z0-9_]+-\d+$/),
    fields: z
      .looseObject({ summary: z.string().optional(), status: z.looseObject({ name: z.string() }).optional() })
      .optional(),
  }),
  changelog: z
    .looseObject({
      id: z.string().optional(),
      items: z.array(z.looseObject({ field: z.string() })).default([]),
    })
    .optional(),
});

/**
 * A status change from a Jira webhook body, or undefined for any other change. The changelog id
 * (else the event's timestamp) names the change, the same in every retry of its delivery.
 */
export function statusChange(body: unknown): TrackerStatusChange | undefined {
  const parsed = JiraIssueWebhook.safeParse(body);
  if (!parsed.success || parsed.data.webhookEvent !== 'jira:issue_updated') return undefined;
  const { issue, changelog, user, timestamp } = parsed.data;
  const status = issue.fields?.status?.name;
  if (!status || !changelog?.items.some((item) => item.field === 'status')) return undefined;
  const change = changelog.id ?? (timestamp === undefined ? undefined : String(timestamp));
  return {
    key: issue.key,
    status,
    title: issue.fields?.summary,
    actor: user?.accountId ?? user?.name,
    change,
  };
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
 * HMAC-SHA256 of the body>`). A status change made in Jira reaches chat through
 * applyStatusChange (the ticket's card, the spec's thread); one made by Threadline's own Jira user
 * is our own call coming back, acknowledged and dropped.
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
    await connector.webhookSeen();
    const body = readJson(raw, reply, {});
    if (!body) return reply;
    const { json } = body;
    const change = statusChange(json);
    if (!change || !tracker.recognises(change.key))
      return reply.code(200).send({ ignored: 'not a status change' });
    try {
      const outcome = await applyStatusChange(connector, options.chat, change);
      if (!outcome.shown) return reply.code(200).send({ ignored: outcome.reason });
      logger.info({ key: change.key, status: change.status, ...outcome }, 'Jira status change shown in chat');
      return reply.code(200).send({ updated: outcome.updated });
    } catch (error) {
      logger.warn({ err: error, key: change.key }, 'Jira status change not shown in chat');
      // A retry cannot help an issue we may not read (deleted, no permission): say so and stop.
      if (isPermanent(error)) return reply.code(200).send({ ignored: errorMessage(error) });
      // Jira retries a webhook that fails; a moment later Jira or Redis may answer.
      return sendError(reply, 503, 'unavailable', 'the change could not be applied now; Jira will retry');
    }
  });
}
