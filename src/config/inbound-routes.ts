import { CONNECTORS } from '../connectors/catalogue.js';
import { isEnabled } from '../connectors/definition.js';
import { idleIntegrationNotices } from './integrations.js';
import type { ThreadlineConfig } from './schema.js';

/**
 * The inbound routes `serve` answers with its real handler for this config, in the order the
 * Integrations Guide lists them; any other hook route answers 404 saying what turns it on. Each
 * condition is the one src/assemble.ts registers the route under (test/config/inbound-routes.test.ts
 * starts the app to hold the two together).
 */
export function inboundRoutesOn(config: Pick<ThreadlineConfig, 'inbound' | 'integrations'>): string[] {
  const { inbound, integrations } = config;
  // An integration waiting for a key (waitsFor) builds no connector, so its route stays off.
  const idle = new Set(idleIntegrationNotices(integrations, CONNECTORS).map((p) => p.path.split('.')[1]));
  const on = (name: keyof typeof integrations, secret: () => unknown) =>
    isEnabled(integrations[name]) && !idle.has(name) && Boolean(secret());
  const routes: Array<[path: string, on: boolean]> = [
    ['/hooks/events', inbound.events.enabled],
    ['/hooks/alertmanager', inbound.alertmanager.enabled],
    ['/hooks/datadog', inbound.datadog.enabled],
    ['/hooks/sentry', inbound.sentry.enabled],
    ['/hooks/pagerduty', on('pagerduty', () => integrations.pagerduty?.webhook?.secret)],
    ['/hooks/opsgenie', on('opsgenie', () => integrations.opsgenie?.webhook?.secret)],
    ['/hooks/jira', on('jira', () => integrations.jira?.webhook_secret)],
    ['/hooks/github', on('github_projects', () => integrations.github_projects?.webhook_secret)],
    ['/hooks/linear', on('linear', () => integrations.linear?.webhook_secret)],
    ['/hooks/azure-devops', on('azure_devops', () => integrations.azure_devops?.webhook_password)],
  ];
  return routes.filter(([, isOn]) => isOn).map(([path]) => path);
}
