import { Redis } from 'ioredis';

/** The suite runs against a real Redis: fail at once, clearly, when there is none. */
export default async function setup(): Promise<void> {
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  const redis = new Redis(process.env.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `The tests need a Redis at ${process.env.REDIS_URL} (${(error as Error).message}). Run them with "bash scripts/test.sh", which starts one, or set REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}
