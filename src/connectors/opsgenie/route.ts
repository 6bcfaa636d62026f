import type { FastifyInstance } from 'fastify';
import { sendError } from '../../http/errors.js';
import {
  acceptEvent,
  ignore,
  noteWebhook,
  type PagerHookDependencies,
  rawJsonBody,
  readJson,
  validate,
} from '../paging/inbound.js';
import { HANDLED, matchesSecret, OpsgenieWebhook, opsgenieEvent, opsgenieTokenOf } from './webhook.js';

export const OPSGENIE_HOOK = '/hooks/opsgenie';

/**
 * POST /hooks/opsgenie: an Opsgenie Webhook integration's requests. The shared secret is checked
 * before the body is parsed; Acknowledge and Close become incident_* events in the pipeline.
 */
export function registerOpsgenieHook(
  app: FastifyInstance,
  secrets: () => readonly string[],
  deps: PagerHookDependencies,
): void {
  app.post(OPSGENIE_HOOK, async (request, reply) => {
    if (!matchesSecret(secrets(), opsgenieTokenOf(request.headers))) {
      deps.metrics?.eventsRejected.inc({ reason: 'signature' });
      return sendError(
        reply,
        401,
        'bad_token',
        'missing or wrong X-Threadline-Token (or basic-auth password): it must be integrations.opsgenie.webhook.secret',
      );
    }
    const raw = rawJsonBody(request, reply, deps);
    if (!raw) return reply;
    const body = readJson(raw, reply, deps);
    if (!body) return reply;
    const webhook = validate(OpsgenieWebhook, body.json, reply, deps);
    if (!webhook) return reply;
    await noteWebhook('opsgenie', deps);
    const event = HANDLED[webhook.action];
    if (!event) return ignore(reply, `the ${webhook.action} action does not change an incident's cards`);
    return acceptEvent(reply, opsgenieEvent(event, webhook, raw), deps);
  });
}
