import { z } from 'zod';
import { resultCard } from '../cards/result.js';
import { CONNECTORS } from '../src/connectors/catalogue.js';
import { isDelivered } from '../src/connectors/definition.js';
import { defineCommand } from './define.js';

export const integrations = defineCommand({
  name: 'integrations',
  summary: 'show each enabled integration and its health',
  usage: 'integrations',
  positionals: [],
  args: z.object({}),
  role: 'viewer',
  mode: 'immediate',
  async run(_args, { services }) {
    const connectors = services.connectors.all();
    const checks = await Promise.all(connectors.map(async (c) => ({ key: c.key, health: await c.check() })));
    const unhealthy = checks.filter((c) => !c.health.ok).length;
    const waiting = CONNECTORS.filter(
      (definition) => !isDelivered(definition) && services.enabledIntegrations.includes(definition.name),
    ).map((definition) => `${definition.name} (${definition.arrives ?? 'a later version'})`);
    return {
      card: resultCard(
        connectors.length === 0
          ? 'No integrations are enabled'
          : `${connectors.length} integration(s), ${unhealthy} unhealthy`,
        waiting.length > 0
          ? `Enabled but not yet delivered by this version: ${waiting.join(', ')}.`
          : undefined,
        unhealthy > 0 ? 'warning' : 'success',
        checks.map((c) => ({ label: c.key, value: `${c.health.ok ? '✅' : '❌'} ${c.health.detail}` })),
      ),
      visibility: 'ephemeral',
    };
  },
});
