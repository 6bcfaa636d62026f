import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorMessage, isPermanent } from '../../core/errors.js';
import { sendError } from '../../http/errors.js';
import { rawJsonBody, readJson } from '../../http/inbound.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import { applyStatusChange, type TrackerStatusChange } from '../ticketing/status-change.js';
import type { TicketingConnector } from '../ticketing/ticketing.connector.js';

/** The part of a `workitem.updated` service hook we read: the State change and who made it. */
const WorkItemUpdated = z.looseObject({
  eventType: z.string(),
  resource: z.looseObject({
    workItemId: z.number().int(),
    /** The work item's revision this update made: one change, however often it is delivered. */
    rev: z.number().int().optional(),
    revisedBy: z.looseObject({ id: z.string().optional() }).optional(),
    fields: z
      .record(
        z.string(),
        z.looseObject({ oldValue: z.unknown().optional(), newValue: z.unknown().optional() }),
      )
      .optional(),
    revision: z
      .looseObject({ fields: z.looseObject({ 'System.Title': z.string().optional() }).optional() })
      .optional(),
  }),
});

/** A State change from a service hook body, or undefined for any other event or change. */
export function workItemStatusChange(body: unknown): TrackerStatusChange | undefined {
  const parsed = WorkItemUpdated.safeParse(body);
  if (!parsed.success || parsed.data.eventType !== 'workitem.updated') return undefined;
  const { resource } = parsed.data;
  const state = resource.fields?.['System.State']?.newValue;
  if (typeof state !== 'string' || state === '') return undefined;
  return {
    key: String(resource.workItemId),
    status: state,
    title: resource.revision?.fields?.['System.Title'],
    actor: resource.revisedBy?.id,
    change: resource.rev === undefined ? undefined : `rev-${resource.rev}`,
  };
}

export interface AzureDevOpsHookOptions {
  connector: TicketingConnector;
  /** `integrations.azure_devops.webhook_username` / `.webhook_password`. */
  username: string;
  password: string;
  chat: () => ChatSurface | undefined;
  logger: Logger;
}

/**
 * POST /hooks/azure-devops: a Web Hooks service hook on "Work item updated", sent with basic
 * auth. A State change made in Azure Boards reaches chat through applyStatusChange (the work
 * item's card, the spec's thread). A change made by the PAT's own identity is our own call
 * coming back: the command that made it has already updated the card, so it is dropped.
 */
export function registerAzureDevOpsHook(app: FastifyInstance, options: AzureDevOpsHookOptions): void {
  const { connector, logger } = options;
  const expected = digest(`${options.username}:${options.password}`);
  app.post('/hooks/azure-devops', async (request, reply) => {
    const raw = rawJsonBody(request, reply, {});
    if (!raw) return reply;
    if (!authorised(request.headers.authorization, expected))
      return sendError(
        reply.header('www-authenticate', 'Basic realm="threadline"'),
        401,
        'bad_credentials',
        'missing or wrong basic auth; the service hook must send integrations.azure_devops.webhook_username and webhook_password',
      );
    await connector.webhookSeen();
    const body = readJson(raw, reply, {});
    if (!body) return reply;
    const { json } = body;
    const change = workItemStatusChange(json);
    if (!change) return reply.code(200).send({ ignored: 'not a state change' });
    try {
      const outcome = await applyStatusChange(connector, options.chat, change);
      if (!outcome.shown) return reply.code(200).send({ ignored: outcome.reason });
      logger.info(
        { key: change.key, status: change.status, ...outcome },
        'Azure DevOps state change shown in chat',
      );
      return reply.code(200).send({ updated: outcome.updated });
    } catch (error) {
      logger.warn({ err: error, key: change.key }, 'Azure DevOps state change not shown in chat');
      // A retry cannot help a work item we may not read (deleted, another project): say so and stop.
      if (isPermanent(error)) return reply.code(200).send({ ignored: errorMessage(error) });
      // Azure retries a failed delivery of a service hook; a moment later it or Redis may answer.
      return sendError(
        reply,
        503,
        'unavailable',
        'the change could not be applied now; Azure DevOps will retry',
      );
    }
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so neither the length nor the content of the password leaks through timing. */
function authorised(header: string | undefined, expected: Buffer): boolean {
  const encoded = header?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (!encoded) return false;
  return timingSafeEqual(digest(Buffer.from(encoded, 'base64').toString('utf8')), expected);
}
