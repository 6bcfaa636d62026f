import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { EventName } from '../../core/events.js';
import type { EventPayload } from '../../core/payload.js';
import { incidentIdFromDedupKey } from '../paging/dedup.js';

/**
 * Opsgenie's Webhook integration cannot sign what it sends. It can add custom headers, so the
 * shared secret travels in `X-Threadline-Token`; a basic-auth password (user info in the URL, or a
 * proxy that adds it) is accepted too, whatever the user name.
 */
export function opsgenieTokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const token = headers['x-threadline-token'];
  if (typeof token === 'string' && token !== '') return token;
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function matchesSecret(secrets: readonly string[], token: string | undefined): boolean {
  if (token === undefined) return false;
  const received = createHash('sha256').update(token).digest();
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(createHash('sha256').update(secret).digest(), received)) matched = true;
  }
  return matched;
}

/** The alert actions that move an incident's cards; other actions are acknowledged and ignored. */
export const HANDLED: Readonly<Record<string, EventName>> = {
  Acknowledge: 'incident_acknowledged',
  Close: 'incident_resolved',
};

/** An Opsgenie Webhook integration's request: `action` and the alert it happened to. */
export const OpsgenieWebhook = z.looseObject({
  action: z.string().min(1).max(100),
  alert: z.looseObject({
    alertId: z.string().min(1).max(200),
    message: z.string().min(1).max(1000),
    alias: z.string().max(512).optional(),
    tinyId: z.string().max(50).optional(),
    username: z.string().max(200).optional(),
    priority: z.string().max(10).optional(),
    entity: z.string().max(512).optional(),
  }),
  source: z.looseObject({ name: z.string().optional(), type: z.string().optional() }).optional(),
});
export type OpsgenieWebhook = z.infer<typeof OpsgenieWebhook>;

/**
 * The pipeline event for one alert action. Opsgenie sends no delivery id, so the id is a hash of
 * the body: a redelivered request is a duplicate, a later action on the same alert is not.
 */
export function opsgenieEvent(event: EventName, webhook: OpsgenieWebhook, raw: Buffer): EventPayload {
  const { alert } = webhook;
  const ours = alert.alias ? incidentIdFromDedupKey(alert.alias) : undefined;
  const subject = ours ?? (alert.tinyId ? `OG-${alert.tinyId}` : alert.alertId);
  return {
    id: `opsgenie.${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`,
    event,
    timestamp: new Date().toISOString(),
    origin: 'opsgenie',
    incident: {
      ...(ours ? { id: ours } : {}),
      title: alert.message,
      status: event === 'incident_resolved' ? 'resolved' : 'acknowledged',
      ...(alert.alias ? { dedup_key: alert.alias } : {}),
      pager: 'opsgenie',
      pager_incident_id: alert.alertId,
      ...(alert.entity ? { service: alert.entity } : {}),
      ...(alert.username ? { by: alert.username } : {}),
    },
    spec: {
      id: subject,
      title: alert.message,
      status: event === 'incident_resolved' ? 'resolved' : 'acknowledged',
    },
  };
}
