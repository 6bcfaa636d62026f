import type { Command } from 'commander';
import { inboundRoutesOn } from '../../config/inbound-routes.js';
import { describeEnabledIntegrations } from '../../config/integrations.js';
import { requirementNotices } from '../../config/requirements.js';
import type { ThreadlineConfig } from '../../config/schema.js';
import { CONNECTORS } from '../../connectors/catalogue.js';
import { idleIncidentChannels } from '../../workflows/incidents.js';
import { unmentionedPeople } from '../../workflows/people.js';
import { type CliContext, loadOrExit } from '../context.js';

export function registerValidate(program: Command, context: CliContext): void {
  program
    .command('validate')
    .description(
      'check a config file; exit 0 if valid, otherwise exit 2 listing every problem with its key path',
    )
    .requiredOption('-c, --config <file>', 'config file (specs.config.yaml)')
    .action((options: { config: string }) => {
      const { config } = loadOrExit(options.config, context);
      const enabled = describeEnabledIntegrations(config.integrations, CONNECTORS);
      context.out(
        `${options.config}: valid; enabled integrations: ${enabled.length ? enabled.join(', ') : 'none'}`,
      );
      const route = eventsRouteNote(config.inbound.events);
      if (route) context.out(route);
      const routes = routesLine(config);
      if (routes) context.out(routes);
      for (const notice of [
        ...requirementNotices(config),
        ...unmentionedPeople(config),
        ...idleIncidentChannels(config),
      ])
        context.out(`notice: ${notice.path} ${notice.message}${notice.hint ? `: ${notice.hint}` : ''}`);
    });
}

/** Says when POST /hooks/events is off, and how to turn it on. */
function eventsRouteNote(events: ThreadlineConfig['inbound']['events']): string | undefined {
  if (events.enabled) return undefined;
  return events.secret
    ? 'POST /hooks/events is off (inbound.events.enabled: false)'
    : 'POST /hooks/events is off: no inbound.events.secret is set (set a shared HMAC secret there to turn it on)';
}

/**
 * Lists every inbound route that is on, once one besides POST /hooks/events is: a config with
 * only that route (or none) keeps the summary above, which already says how it stands.
 */
function routesLine(config: ThreadlineConfig): string | undefined {
  const on = inboundRoutesOn(config);
  if (!on.some((path) => path !== '/hooks/events')) return undefined;
  return `inbound routes on: ${on.map((path) => `POST ${path}`).join(', ')}`;
}
