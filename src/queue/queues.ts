import { Queue } from 'bullmq';
import type { RedisClient } from '../core/redis-client.js';
import { SharedRedisConnection } from './connection.js';
import { EventWriter } from './event-writer.js';
import {
  type DeliveryJobData,
  DIGESTS_QUEUE,
  type DigestJobData,
  deliveryQueueName,
  EVENTS_QUEUE,
  type EventJobData,
} from './jobs.js';
import { scanKeys } from './redis.js';

/**
 * How many entries BullMQ keeps in each queue's event stream (its default is 10,000). Nothing in
 * Threadline reads those streams (no QueueEvents); the short tail is for an operator's dashboard.
 * Queues store it in their meta key, where every job script reads it.
 */
export const EVENT_STREAM_MAX_LEN = 100;

/** The producer side of every queue, sharing one Redis connection. Delivery queues are made on demand. */
export class QueueSet {
  readonly events: Queue<EventJobData>;
  readonly digests: Queue<DigestJobData>;
  private readonly byName = new Map<string, Queue>();
  private writer: EventWriter | undefined;

  constructor(
    private readonly connection: RedisClient,
    readonly prefix: string,
  ) {
    this.events = this.make<EventJobData>(EVENTS_QUEUE);
    this.digests = this.make<DigestJobData>(DIGESTS_QUEUE);
  }

  /** Writes accepted events with their delivery jobs in one transaction (made once, closed with the rest). */
  eventWriter(dedupWindowMs: number): EventWriter {
    this.writer ??= new EventWriter(this.connection, this.prefix, dedupWindowMs);
    return this.writer;
  }

  delivery(connectorKey: string): Queue<DeliveryJobData> {
    return this.named<DeliveryJobData>(deliveryQueueName(connectorKey));
  }

  /** Every delivery queue that exists in Redis, including ones no longer in the config. */
  async knownDeliveryKeys(): Promise<string[]> {
    const names = await this.knownQueueNames(deliveryQueueName('*'));
    const keys = new Set(names.map((name) => name.slice(deliveryQueueName('').length)));
    const local = deliveryQueueName('');
    for (const name of this.byName.keys()) if (name.startsWith(local)) keys.add(name.slice(local.length));
    return [...keys].sort();
  }

  /** Names of the queues in Redis that match a glob, e.g. `actions.*`. */
  async knownQueueNames(glob: string): Promise<string[]> {
    const keys = await scanKeys(this.connection, `${this.prefix}:${glob}:meta`);
    const names = new Set(keys.map((key) => key.slice(this.prefix.length + 1, -':meta'.length)));
    return [...names].sort();
  }

  /** Any queue by name (deliveries, chat action queues), made once and closed with the rest. */
  named<T>(name: string): Queue<T> {
    let queue = this.byName.get(name);
    if (!queue) {
      queue = this.make(name);
      this.byName.set(name, queue);
    }
    return queue as Queue<T>;
  }

  private make<T>(name: string): Queue<T> {
    return new Queue<T>(
      name,
      {
        connection: this.connection,
        prefix: this.prefix,
        streams: { events: { maxLen: EVENT_STREAM_MAX_LEN } },
      },
      SharedRedisConnection,
    );
  }

  async close(): Promise<void> {
    await Promise.all([
      this.events.close(),
      this.digests.close(),
      ...[...this.byName.values()].map((q) => q.close()),
      this.writer?.close(),
    ]);
  }
}
