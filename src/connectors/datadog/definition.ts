import { ConfigError } from '../../core/errors.js';
import { EVENT_NAMES } from '../../core/events.js';
import { defineConnector, deliveryLimits, missingKeys, requiredKey } from '../definition.js';
import { DatadogEventsConnector, DatadogMetricsConnector } from './datadog.connector.js';
import { DatadogIntegration } from './schema.js';

/** Metrics and events, each its own destination: `datadog.metrics` and `datadog.events`. */
export const datadogConnector = defineConnector({
  name: 'datadog',
  schema: DatadogIntegration,
  environment: { api_key: 'DATADOG_API_KEY', app_key: 'DATADOG_APP_KEY' },
  requires(block) {
    const problems = missingKeys(block, { api_key: 'set DATADOG_API_KEY' });
    if (!block.send_metrics && !block.send_events)
      problems.push({
        path: 'send_metrics',
        message: 'and send_events are both false, so nothing would be sent',
        hint: 'set one of them to true, or set enabled: false',
      });
    return problems;
  },
  describe(block) {
    const parts = [block.send_metrics ? 'metrics' : undefined, block.send_events ? 'events' : undefined];
    return `datadog(${parts.filter((p) => p !== undefined).join(',')})`;
  },
  create(block, context) {
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    // Loading the config reports a missing key first; this guards a block built some other way.
    if (!block.api_key)
      throw new ConfigError([requiredKey('integrations.datadog.api_key', 'set DATADOG_API_KEY')]);
    const config = { ...block, api_key: block.api_key };
    return [
      ...(block.send_metrics
        ? [new DatadogMetricsConnector(config, context.http, retryCount, timeoutMs)]
        : []),
      ...(block.send_events
        ? [new DatadogEventsConnector(config, context.http, EVENT_NAMES, retryCount, timeoutMs)]
        : []),
    ];
  },
});
