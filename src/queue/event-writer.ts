import { type FlowJob, FlowProducer, type JobsOptions } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { StoredEvent } from '../core/payload.js';
import type { RedisClient } from '../core/redis-client.js';
import { SharedRedisConnection } from './connection.js';
import { type DeliveryJobData, deliveryIdFor, deliveryQueueName, EVENTS_QUEUE } from './jobs.js';

/** One accepted event and where it goes: its delivery jobs are written together with its dedup key. */
export interface EventWrite {
  event: StoredEvent;
  /** Only an id the sender chose can come again; a generated one needs no dedup key. */
  deduplicate: boolean;
  destinations: ReadonlyArray<{ key: string; jobOptions: JobsOptions }>;
}

/**
 * The dedup key of an event id. It is the key BullMQ's deduplication kept for the `events`
 * queue before routing moved to ingress, so an event stored by an older version is still
 * recognised as a repeat; and it starts with the prefix like every key we write.
 */
export function eventDedupKey(prefix: string, eventId: string): string {
  return `${prefix}:${EVENTS_QUEUE}:de:${eventId}`;
}

/**
 * The key BullMQ's deduplication keeps for a delivery job (`deduplication: { id: deliveryId }`
 * in its destination's queue). The outbox writes it too, so a job for the same delivery added
 * by another process is deduplicated.
 */
export function deliveryDedupKey(prefix: string, connectorKey: string, deliveryId: string): string {
  return `${prefix}:${deliveryQueueName(connectorKey)}:de:${deliveryId}`;
}

/**
 * Writes accepted events in one MULTI per batch: per event `SET <dedup key> NX PX <window>`
 * (when the sender chose the id) and one delivery job per destination, each in its
 * destination's queue with job id = delivery id, added through FlowProducer's own job scripts.
 * Every delivery job carries BullMQ deduplication on its delivery id for the same window, so a
 * repeat of a stored event adds nothing even after its completed job was removed; the SET's
 * reply alone tells whether the event was a repeat. A transaction that never reached Redis, or
 * that Redis refused (EXECABORT, e.g. out of memory), stored nothing; any failure, including an
 * error inside one of its commands, fails the whole batch, and a sender's retry with the same id
 * is deduplicated against whatever was stored.
 */
export class EventWriter extends FlowProducer {
  constructor(
    connection: RedisClient,
    private readonly keyPrefix: string,
    private readonly dedupWindowMs: number,
  ) {
    super({ connection, prefix: keyPrefix }, SharedRedisConnection);
  }

  /** Stores the batch in one round trip; resolves per event whether it was a repeat. */
  async write(batch: readonly EventWrite[]): Promise<boolean[]> {
    const client = await this.connection.client;
    const multi = client.multi();
    // BullMQ declares only the commands it uses in a transaction; the client is the ioredis one we passed.
    const commands = multi as unknown as ChainableCommander;
    const setIndex: number[] = [];
    let queued = 0;
    for (const item of batch) {
      if (item.deduplicate) {
        commands.set(eventDedupKey(this.keyPrefix, item.event.id), '1', 'PX', this.dedupWindowMs, 'NX');
        setIndex.push(queued++);
      } else {
        setIndex.push(-1);
      }
    }
    const nodes = batch.flatMap((item) => this.deliveryNodes(item));
    await this.addNodes(multi, nodes);
    const results = await multi.exec();
    if (!results) throw new Error('the event transaction was discarded');
    for (const [error] of results) if (error) throw error;
    return setIndex.map((index) => index >= 0 && results[index]?.[1] !== 'OK');
  }

  private deliveryNodes(item: EventWrite): FlowJob[] {
    const { event } = item;
    return item.destinations.map(({ key, jobOptions }) => {
      const deliveryId = deliveryIdFor(event.id, key);
      const data: DeliveryJobData = { event, connector: key, deliveryId, deferrals: 0 };
      return {
        name: 'deliver',
        queueName: deliveryQueueName(key),
        data,
        opts: {
          ...jobOptions,
          jobId: deliveryId,
          ...(item.deduplicate ? { deduplication: { id: deliveryId, ttl: this.dedupWindowMs } } : {}),
        },
      };
    });
  }
}
