import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to Redis: one server (reached directly or through Sentinel) or a Redis Cluster.
 * Both speak the same commands and BullMQ takes either; code that must tell them apart (SCAN
 * runs per master on a Cluster) asks `isCluster`.
 */
export type RedisClient = Redis | Cluster;
