import type { FastifyInstance } from 'fastify';
import { ignore, readValid } from '../../connectors/paging/inbound.js';
import { IncidentStore } from '../../workflows/incidents.js';
import { AlertGroups } from '../common/alert-groups.js';
import { Deliveries } from '../common/deliveries.js';
import type { SourceHookDependencies } from '../common/hook-deps.js';
import { answerOnce, refuseCredentials, registerHookOff } from '../common/respond.js';
import { authorised } from './auth.js';
import { datadogIncident, groupOf, transitionOf } from './incident.js';
import { DatadogWebhook } from './payload.js';
import type { DatadogInboundConfig } from './schema.js';

export const DATADOG_HOOK = '/hooks/datadog';
const SOURCE = 'datadog';

export type DatadogHookDependencies = SourceHookDependencies;

/**
 * POST /hooks/datadog: monitor notifications from Datadog's Webhooks integration, with the
 * payload template of docs/integrations.md. Credentials are checked before the body is read; a
 * triggering transition opens (or updates) the monitor group's incident and a recovery resolves
 * it, announced as incident_triggered / incident_resolved like /ops incident. A delivery Datadog
 * retries (same `$ID`) gets its first answer again. While the block is off, a request is told
 * what turns it on.
 */
export function registerDatadogHook(
  app: FastifyInstance,
  settings: DatadogInboundConfig,
  deps: DatadogHookDependencies,
): void {
  if (!settings.enabled) {
    registerHookOff(app, DATADOG_HOOK, 'set inbound.datadog.token or inbound.datadog.basic_auth');
    return;
  }
  const incidents = new IncidentStore(deps.redis, deps.prefix);
  const groups = new AlertGroups(deps.redis, deps.prefix, incidents, deps.sink, SOURCE, () =>
    deps.incidentChannels?.(),
  );
  const deliveries = new Deliveries(deps.redis, deps.prefix, SOURCE);
  app.post(DATADOG_HOOK, async (request, reply) => {
    if (!authorised(settings, request.headers)) {
      return refuseCredentials(
        reply,
        deps,
        'missing or wrong credentials: send inbound.datadog.token in X-Threadline-Token (or Authorization: Bearer), or inbound.datadog.basic_auth',
      );
    }
    const webhook = readValid(DatadogWebhook, request, reply, deps);
    if (!webhook) return reply;
    const transition = transitionOf(webhook);
    if (transition === 'ignored')
      return ignore(reply, `transition ${JSON.stringify(webhook.transition)} opens or resolves nothing`);
    const group = groupOf(webhook);
    const once = {
      deliveries,
      delivery: webhook.id,
      logger: deps.logger,
      source: SOURCE,
      nothing: 'no incident was opened for this monitor group',
    };
    if (transition === 'firing')
      return answerOnce(reply, once, async () => {
        const { incident, opened } = await groups.firing(
          group.key,
          datadogIncident(webhook, settings.severity),
          {
            reopenAfterSourceResolved: !group.episode,
          },
        );
        deps.logger.info(
          { incident: incident.id, monitor: webhook.monitor_id, transition: webhook.transition, opened },
          opened ? 'datadog monitor opened an incident' : 'datadog monitor updated its incident',
        );
        return { incident: incident.id, status: incident.status, opened };
      });
    return answerOnce(reply, once, async () => {
      const { incident, resolved } = await groups.resolved(group.key);
      if (!incident) return undefined;
      deps.logger.info(
        { incident: incident.id, monitor: webhook.monitor_id, resolved },
        'datadog monitor recovered',
      );
      return { incident: incident.id, status: incident.status, resolved };
    });
  });
}
