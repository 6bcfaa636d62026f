import type { RedisClient } from '../core/redis-client.js';

export interface AuditRecord {
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused' | 'failed';
  detail?: string;
  correlationId?: string;
}

/**
 * Append-only audit trail in a Redis stream. Later steps add retention, hash chaining, export
 * and SIEM shipping on top of the same records.
 */
export class AuditLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async record(entry: AuditRecord): Promise<string> {
    const fields = Object.entries({ at: new Date().toISOString(), ...entry }).flatMap(([k, v]) =>
      v === undefined ? [] : [k, String(v)],
    );
    return (await this.redis.xadd(
      `${this.prefix}:audit`,
      'MAXLEN',
      '~',
      '1000000',
      '*',
      ...fields,
    )) as string;
  }

  async recent(count = 100): Promise<Array<AuditRecord & { id: string; at: string }>> {
    const entries = await this.redis.xrevrange(`${this.prefix}:audit`, '+', '-', 'COUNT', count);
    return entries.map(([id, flat]) => {
      const record: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
      return { id, ...(record as unknown as AuditRecord & { at: string }) };
    });
  }
}
