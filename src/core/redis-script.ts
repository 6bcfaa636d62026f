import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

const hashes = new Map<string, string>();

function sha1(source: string): string {
  let hash = hashes.get(source);
  if (!hash) {
    hash = createHash('sha1').update(source).digest('hex');
    hashes.set(source, hash);
  }
  return hash;
}

/**
 * Runs a Lua script by its hash, sending its source only when Redis does not know it yet (after
 * a restart or a failover to a server that never saw it). Its keys must share one Cluster slot.
 */
export async function runScript(
  redis: RedisClient,
  source: string,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(sha1(source), keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
    return redis.eval(source, keys.length, ...keys, ...args);
  }
}
