import type { QueueSettings } from '../config/schema.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { StoredEvent } from '../core/payload.js';
import { jobOptions } from '../queue/job-options.js';
import { type DeliveryJobData, deliveryIdFor } from '../queue/jobs.js';
import type { QueueSet } from '../queue/queues.js';

/**
 * Routes a router job left in the events queue by a version that routed in a worker (ingress
 * routes now, see ingest.ts): one delivery job per destination, in its destination's queue,
 * with job id = delivery id and the same deduplication ingress uses, so running this again for
 * the same event (a retried router job, or a repeat ingress already stored) adds nothing new.
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
        deduplication: { id: deliveryId, ttl: settings.dedup_window_hours * 3_600_000 },
      });
    }),
  );
  return targets.map((c) => c.key);
}
