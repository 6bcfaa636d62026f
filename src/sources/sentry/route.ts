import type { FastifyInstance } from 'fastify';
import { ignore, rawJsonBody, readJson, validate } from '../../connectors/paging/inbound.js';
import { sendError } from '../../http/errors.js';
import { IncidentStore } from '../../workflows/incidents.js';
import { AlertGroups } from '../common/alert-groups.js';
import { hmacHexMatches } from '../common/credentials.js';
import { Deliveries } from '../common/deliveries.js';
import type { SourceHookDependencies } from '../common/hook-deps.js';
import { answerOnce, registerHookOff } from '../common/respond.js';
import { issueGroup, metricAlertGroup, sentryIncident, sentryMetricIncident } from './incident.js';
import { SentryEventAlert, SentryIssueChange, SentryMetricAlert } from './payload.js';
import type { SentryInboundConfig } from './schema.js';

export const SENTRY_HOOK = '/hooks/sentry';
const SOURCE = 'sentry';

export type SentryHookDependencies = SourceHookDependencies;

/**
 * POST /hooks/sentry: a Sentry internal integration's webhooks. The signature is checked on the
 * raw body before anything is read; an `event_alert` (an issue alert rule fired) opens or updates
 * the issue's incident, an `issue` resolved resolves it; a `metric_alert` critical or warning opens
 * or updates the incident of that breach, and its `resolved` resolves it; announced as incident_triggered /
 * incident_resolved like /ops incident. Other resources and actions (installation, comments, an
 * issue assigned) are acknowledged and change nothing. A delivery Sentry sends again (same
 * `Request-ID`) gets its first answer.
 */
export function registerSentryHook(
  app: FastifyInstance,
  settings: SentryInboundConfig,
  deps: SentryHookDependencies,
): void {
  if (!settings.enabled) {
    registerHookOff(app, SENTRY_HOOK, 'set inbound.sentry.client_secret');
    return;
  }
  const incidents = new IncidentStore(deps.redis, deps.prefix);
  const groups = new AlertGroups(deps.redis, deps.prefix, incidents, deps.sink, SOURCE, () =>
    deps.incidentChannels?.(),
  );
  const deliveries = new Deliveries(deps.redis, deps.prefix, SOURCE);

  app.post(SENTRY_HOOK, async (request, reply) => {
    const raw = rawJsonBody(request, reply, deps);
    if (!raw) return reply;
    if (!hmacHexMatches(raw, header(request.headers['sentry-hook-signature']), settings.client_secret)) {
      deps.metrics?.eventsRejected.inc({ reason: 'signature' });
      return sendError(
        reply,
        401,
        'bad_signature',
        "missing or wrong Sentry-Hook-Signature: it must be the hex HMAC-SHA256 of the body under the integration's client secret (inbound.sentry.client_secret)",
      );
    }
    const resource = header(request.headers['sentry-hook-resource'])?.trim();
    if (!resource) {
      deps.metrics?.eventsRejected.inc({ reason: 'body' });
      return sendError(reply, 400, 'bad_body', 'Sentry-Hook-Resource: is required', {
        field: 'Sentry-Hook-Resource',
      });
    }
    if (resource !== 'event_alert' && resource !== 'issue' && resource !== 'metric_alert')
      return ignore(reply, `Sentry-Hook-Resource ${JSON.stringify(resource)} opens or resolves nothing`);
    const body = readJson(raw, reply, deps);
    if (!body) return reply;
    const once = {
      deliveries,
      delivery: header(request.headers['request-id'])?.trim() || undefined,
      logger: deps.logger,
      source: SOURCE,
      nothing: 'no incident was opened for this issue',
    };

    if (resource === 'event_alert') {
      const alert = validate(SentryEventAlert, body.json, reply, deps);
      if (!alert) return reply;
      if (alert.action !== 'triggered')
        return ignore(reply, `event_alert action ${JSON.stringify(alert.action)} opens nothing`);
      return answerOnce(reply, once, async () => {
        const issue = alert.data.event.issue_id;
        const { incident, opened } = await groups.firing(
          issueGroup(issue),
          sentryIncident(alert, settings.severity),
        );
        deps.logger.info(
          { incident: incident.id, issue, rule: alert.data.triggered_rule, opened },
          opened ? 'sentry issue alert opened an incident' : 'sentry issue alert updated its incident',
        );
        return { incident: incident.id, status: incident.status, opened };
      });
    }
    if (resource === 'metric_alert') {
      const alert = validate(SentryMetricAlert, body.json, reply, deps);
      if (!alert) return reply;
      const group = metricAlertGroup(alert.data.metric_alert.id);
      if (alert.action === 'resolved')
        return answerOnce(
          reply,
          { ...once, nothing: 'no incident was opened for this metric alert' },
          async () => {
            const { incident, resolved } = await groups.resolved(group);
            if (!incident) return undefined;
            deps.logger.info({ incident: incident.id, group, resolved }, 'sentry metric alert resolved');
            return { incident: incident.id, status: incident.status, resolved };
          },
        );
      if (alert.action !== 'critical' && alert.action !== 'warning')
        return ignore(reply, `metric_alert action ${JSON.stringify(alert.action)} opens or resolves nothing`);
      return answerOnce(reply, once, async () => {
        const { incident, opened } = await groups.firing(group, sentryMetricIncident(alert), {
          // The metric alert's id names one breach: a late critical never reopens what its resolve closed.
          reopenAfterSourceResolved: false,
        });
        deps.logger.info(
          { incident: incident.id, group, action: alert.action, opened },
          opened ? 'sentry metric alert opened an incident' : 'sentry metric alert updated its incident',
        );
        return { incident: incident.id, status: incident.status, opened };
      });
    }
    const change = validate(SentryIssueChange, body.json, reply, deps);
    if (!change) return reply;
    if (change.action !== 'resolved')
      return ignore(reply, `issue action ${JSON.stringify(change.action)} opens or resolves nothing`);
    return answerOnce(reply, once, async () => {
      const issue = change.data.issue.id;
      const { incident, resolved } = await groups.resolved(issueGroup(issue));
      if (!incident) return undefined;
      deps.logger.info({ incident: incident.id, issue, resolved }, 'sentry issue resolved');
      return { incident: incident.id, status: incident.status, resolved };
    });
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
