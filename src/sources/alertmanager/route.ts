import type { FastifyInstance } from 'fastify';
import { ignore, readValid } from '../../connectors/paging/inbound.js';
import { IncidentStore } from '../../workflows/incidents.js';
import { AlertGroups } from '../common/alert-groups.js';
import type { SourceHookDependencies } from '../common/hook-deps.js';
import { refuseCredentials, registerHookOff, unavailable } from '../common/respond.js';
import { authorised } from './auth.js';
import { alertIncident } from './incident.js';
import { AlertmanagerWebhook } from './payload.js';
import type { AlertmanagerInboundConfig } from './schema.js';

export const ALERTMANAGER_HOOK = '/hooks/alertmanager';

export type AlertmanagerHookDependencies = SourceHookDependencies;

/**
 * POST /hooks/alertmanager: an Alertmanager webhook receiver's notifications. Credentials are
 * checked before the body is read; a firing group opens (or updates) its incident and a resolved
 * one resolves it, announced as incident_triggered / incident_resolved like /ops incident.
 * While the block is off, a request is told what turns it on.
 */
export function registerAlertmanagerHook(
  app: FastifyInstance,
  settings: AlertmanagerInboundConfig,
  deps: AlertmanagerHookDependencies,
): void {
  if (!settings.enabled) {
    registerHookOff(
      app,
      ALERTMANAGER_HOOK,
      'set inbound.alertmanager.bearer_token or inbound.alertmanager.basic_auth',
    );
    return;
  }
  const groups = new AlertGroups(
    deps.redis,
    deps.prefix,
    new IncidentStore(deps.redis, deps.prefix),
    deps.sink,
    'alertmanager',
    () => deps.incidentChannels?.(),
  );
  app.post(ALERTMANAGER_HOOK, async (request, reply) => {
    if (!authorised(settings, request.headers.authorization)) {
      return refuseCredentials(
        reply,
        deps,
        'missing or wrong Authorization: send inbound.alertmanager.bearer_token (http_config.authorization) or basic_auth credentials',
      );
    }
    const webhook = readValid(AlertmanagerWebhook, request, reply, deps);
    if (!webhook) return reply;
    try {
      if (webhook.status === 'firing') {
        const { incident, opened } = await groups.firing(
          webhook.groupKey,
          alertIncident(webhook, settings.severity),
        );
        deps.logger.info(
          { incident: incident.id, receiver: webhook.receiver, alerts: webhook.alerts.length, opened },
          opened ? 'alertmanager group opened an incident' : 'alertmanager group updated its incident',
        );
        return reply.code(202).send({ incident: incident.id, status: incident.status, opened });
      }
      const { incident, resolved } = await groups.resolved(webhook.groupKey);
      if (!incident) return ignore(reply, 'no incident was opened for this group');
      deps.logger.info(
        { incident: incident.id, receiver: webhook.receiver, resolved },
        'alertmanager group resolved',
      );
      return reply.code(202).send({ incident: incident.id, status: incident.status, resolved });
    } catch (error) {
      return unavailable(reply, error, deps.logger, 'alertmanager');
    }
  });
}
