import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

export function openRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** SCAN + UNLINK of every key under `<prefix>:`; returns how many were removed. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/** Sum of MEMORY USAGE (all nested values sampled) of every key under `<prefix>:`. */
export async function keyspaceMemory(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of found) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      if (!error && typeof value === 'number') {
        keys += 1;
        bytes += value;
      }
    }
  } while (cursor !== '0');
  return { keys, bytes };
}

/** Jobs not yet finished in a set of BullMQ queues (waiting + active + delayed + prioritized + paused). */
export class Backlog {
  private readonly queues: Queue[];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    names: readonly string[],
  ) {
    this.queues = names.map((name) => new Queue(name, { connection: redis, prefix }));
  }

  /** Deliveries stored for their first attempt at ingress and not yet delivered or queued. */
  outbox(): Promise<number> {
    return this.redis.zcard(`${this.prefix}:outbox`);
  }

  async counts(): Promise<Record<string, { waiting: number; active: number; delayed: number }>> {
    const entries = await Promise.all(
      this.queues.map(async (queue) => {
        const c = await queue.getJobCounts('wait', 'paused', 'prioritized', 'active', 'delayed');
        const waiting = (c.wait ?? 0) + (c.paused ?? 0) + (c.prioritized ?? 0);
        return [queue.name, { waiting, active: c.active ?? 0, delayed: c.delayed ?? 0 }] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async total(): Promise<number> {
    const [counts, outbox] = await Promise.all([this.counts(), this.outbox()]);
    return Object.values(counts).reduce((sum, c) => sum + c.waiting + c.active + c.delayed, outbox);
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}

export interface RedisCounters {
  /** Every command Redis ran, including those run inside Lua scripts. */
  commands: number;
  /** EVAL/EVALSHA calls (BullMQ does nearly everything in Lua scripts). */
  scripts: number;
  cpuSeconds: number;
}

/** Server-wide counters: other clients of the same Redis add to them. */
export async function redisCounters(redis: Redis): Promise<RedisCounters> {
  const [stats, commandstats, cpu] = await Promise.all([
    redis.info('stats'),
    redis.info('commandstats'),
    redis.info('cpu'),
  ]);
  const field = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    commands: field(stats, /^total_commands_processed:(\d+)/m),
    scripts:
      field(commandstats, /^cmdstat_evalsha:calls=(\d+)/m) +
      field(commandstats, /^cmdstat_eval:calls=(\d+)/m),
    cpuSeconds: field(cpu, /^used_cpu_user:([\d.]+)/m) + field(cpu, /^used_cpu_sys:([\d.]+)/m),
  };
}
