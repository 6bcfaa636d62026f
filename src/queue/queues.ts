import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type DeliveryJobData,
  DIGESTS_QUEUE,
  type DigestJobData,
  deliveryQueueName,
  EVENTS_QUEUE,
  type EventJobData,
} from './jobs.js';

/** The producer side of every queue, sharing one Redis connection. Delivery queues are made on demand. */
export class QueueSet {
  readonly events: Queue<EventJobData>;
  readonly digests: Queue<DigestJobData>;
  private readonly deliveries = new Map<string, Queue<DeliveryJobData>>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
  ) {
    this.events = new Queue<EventJobData>(EVENTS_QUEUE, { connection, prefix });
    this.digests = new Queue<DigestJobData>(DIGESTS_QUEUE, { connection, prefix });
  }

  delivery(connectorKey: string): Queue<DeliveryJobData> {
    let queue = this.deliveries.get(connectorKey);
    if (!queue) {
      queue = new Queue<DeliveryJobData>(deliveryQueueName(connectorKey), {
        connection: this.connection,
        prefix: this.prefix,
      });
      this.deliveries.set(connectorKey, queue);
    }
    return queue;
  }

  /** Every delivery queue that exists in Redis, including ones no longer in the config. */
  async knownDeliveryKeys(): Promise<string[]> {
    const keys = new Set<string>();
    const pattern = `${this.prefix}:${deliveryQueueName('*')}:meta`;
    let cursor = '0';
    do {
      const [next, found] = await this.connection.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of found) {
        const name = key.slice(this.prefix.length + 1, -':meta'.length);
        keys.add(name.slice(deliveryQueueName('').length));
      }
    } while (cursor !== '0');
    for (const key of this.deliveries.keys()) keys.add(key);
    return [...keys].sort();
  }

  async close(): Promise<void> {
    await Promise.all([
      this.events.close(),
      this.digests.close(),
      ...[...this.deliveries.values()].map((q) => q.close()),
    ]);
  }
}
