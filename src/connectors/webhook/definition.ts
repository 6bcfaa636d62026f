import type { ConfigProblem } from '../../core/errors.js';
import { defineConnector, deliveryLimits } from '../definition.js';
import { WebhooksIntegration } from './schema.js';
import { WebhookConnector } from './webhook.connector.js';

/** Custom webhooks: one connector, and one delivery queue, per endpoint. */
export const webhooksConnector = defineConnector({
  name: 'webhooks',
  schema: WebhooksIntegration,
  environment: {},
  requires(block) {
    const problems: ConfigProblem[] = [];
    if (block.endpoints.length === 0)
      problems.push({ path: 'endpoints', message: 'list at least one endpoint when enabled' });
    const seen = new Set<string>();
    block.endpoints.forEach((endpoint, index) => {
      if (seen.has(endpoint.name)) {
        problems.push({
          path: `endpoints[${index}].name`,
          message: `"${endpoint.name}" is used by an earlier endpoint`,
          hint: 'endpoint names must be unique: they key deliveries and dead letters',
        });
      }
      seen.add(endpoint.name);
    });
    return problems;
  },
  describe(block) {
    return `webhooks(${block.endpoints.map((e) => e.name).join(',')})`;
  },
  create(block, context) {
    return block.endpoints.map((endpoint) => {
      const { retryCount, timeoutMs } = deliveryLimits(endpoint, context);
      return new WebhookConnector(endpoint, context.http, retryCount, timeoutMs);
    });
  },
});
