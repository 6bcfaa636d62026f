import type { QueueSettings } from '../config/schema.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { StoredEvent } from '../core/payload.js';
import { jobOptions } from '../queue/job-options.js';
import { type DeliveryJobData, deliveryIdFor } from '../queue/jobs.js';
import type { QueueSet } from '../queue/queues.js';

/**
 * One delivery job per event × destination, each in its destination's own queue so a slow or
 * broken provider never delays another. Job ids are the delivery ids: running this again for
 * the same event (a retried router job) adds nothing new.
 */
export async function fanOut(
  event: StoredEvent,
  registry: ConnectorRegistry,
  queues: QueueSet,
  settings: QueueSettings,
): Promise<string[]> {
  const targets = registry.route(event.payload.event);
  await Promise.all(
    targets.map((connector) => {
      const deliveryId = deliveryIdFor(event.id, connector.key);
      const data: DeliveryJobData = { event, connector: connector.key, deliveryId, deferrals: 0 };
      return queues.delivery(connector.key).add('deliver', data, {
        ...jobOptions('delivery', settings, connector.retryCount),
        jobId: deliveryId,
      });
    }),
  );
  return targets.map((c) => c.key);
}
