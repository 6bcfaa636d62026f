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
import {
  HANDLED,
  PagerDutyIncidentWebhook,
  PagerDutyWebhook,
  pagerDutyEvent,
  verifyPagerDutySignature,
} from './webhook.js';

export const PAGERDUTY_HOOK = '/hooks/pagerduty';

/**
 * POST /hooks/pagerduty: a v3 webhook subscription's deliveries. The signature is checked on the
 * raw bytes before anything is parsed; incident.acknowledged / resolved / escalated become
 * incident_* events in the pipeline.
 */
export function registerPagerDutyHook(
  app: FastifyInstance,
  secrets: () => readonly string[],
  deps: PagerHookDependencies,
): void {
  app.post(PAGERDUTY_HOOK, async (request, reply) => {
    const raw = rawJsonBody(request, reply, deps);
    if (!raw) return reply;
    const header = request.headers['x-pagerduty-signature'];
    if (!verifyPagerDutySignature(secrets(), raw, typeof header === 'string' ? header : undefined)) {
      deps.metrics?.eventsRejected.inc({ reason: 'signature' });
      return sendError(
        reply,
        401,
        'bad_signature',
        'missing or invalid X-PagerDuty-Signature (v1=<hex HMAC-SHA256 of the raw body> with integrations.pagerduty.webhook.secret)',
      );
    }
    const body = readJson(raw, reply, deps);
    if (!body) return reply;
    const envelope = validate(PagerDutyWebhook, body.json, reply, deps);
    if (!envelope) return reply;
    await noteWebhook('pagerduty', deps);
    const event = HANDLED[envelope.event.event_type];
    if (!event) return ignore(reply, `${envelope.event.event_type} does not change an incident's cards`);
    const webhook = validate(PagerDutyIncidentWebhook, body.json, reply, deps);
    if (!webhook) return reply;
    return acceptEvent(reply, pagerDutyEvent(event, webhook.event), deps);
  });
}
