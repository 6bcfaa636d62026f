import { createHash } from 'node:crypto';
import type { RedisClient } from '../../core/redis-client.js';

/** Providers retry for minutes to hours; a day covers every retry schedule we know of. */
const TTL_SECONDS = 86_400;

/**
 * Deliveries a source has already handled, by the provider's delivery id (Sentry's `Request-ID`,
 * Datadog's `$ID`), with the answer given. A retry of a handled delivery gets that answer again
 * and changes nothing, even when it arrives after later notifications (a retried trigger after
 * the recovery). Remembered only once handled, so a delivery that failed is tried again in full.
 */
export class Deliveries {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly source: string,
  ) {}

  async answered(id: string | undefined): Promise<Record<string, unknown> | undefined> {
    if (!id) return undefined;
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
  }

  async remember(id: string | undefined, answer: Record<string, unknown>): Promise<void> {
    if (!id) return;
    await this.redis.set(this.key(id), JSON.stringify(answer), 'EX', TTL_SECONDS, 'NX');
  }

  private key(id: string): string {
    const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40);
    return `${this.prefix}:${this.source}:delivery:${hash}`;
  }
}
