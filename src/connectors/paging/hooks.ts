import type { FastifyInstance } from 'fastify';
import { sendError } from '../../http/errors.js';
import { isEnabled } from '../definition.js';
import { OPSGENIE_HOOK, registerOpsgenieHook } from '../opsgenie/route.js';
import type { OpsgenieIntegrationConfig } from '../opsgenie/schema.js';
import { PAGERDUTY_HOOK, registerPagerDutyHook } from '../pagerduty/route.js';
import type { PagerDutyIntegrationConfig } from '../pagerduty/schema.js';
import type { PagerHookDependencies } from './inbound.js';

export interface PagerHookSettings {
  readonly pagerduty?: PagerDutyIntegrationConfig;
  readonly opsgenie?: OpsgenieIntegrationConfig;
}

/**
 * The pagers' inbound webhooks on the shared server: each is served when its integration is
 * enabled with a `webhook.secret`; otherwise a request is told what turns it on.
 */
export function registerPagerHooks(
  app: FastifyInstance,
  integrations: PagerHookSettings,
  deps: PagerHookDependencies,
): void {
  const hooks = [
    {
      name: 'pagerduty',
      path: PAGERDUTY_HOOK,
      block: integrations.pagerduty,
      register: registerPagerDutyHook,
    },
    { name: 'opsgenie', path: OPSGENIE_HOOK, block: integrations.opsgenie, register: registerOpsgenieHook },
  ];
  for (const { name, path, block, register } of hooks) {
    const secrets = block?.webhook?.secret;
    if (isEnabled(block) && secrets) register(app, () => secrets, deps);
    else
      app.post(path, async (_request, reply) =>
        sendError(
          reply,
          404,
          'hook_off',
          `POST ${path} is off: enable integrations.${name} and set integrations.${name}.webhook.secret`,
        ),
      );
  }
}
