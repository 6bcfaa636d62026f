import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { ThreadlineConfig } from '../config/schema.js';
import type { HttpClient } from '../net/http-client.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ChatPlatform } from './platform.js';
import type { ChatRouter } from './router.js';

/** What a platform factory gets from the composition root. */
export interface PlatformDependencies {
  config: Readonly<ThreadlineConfig>;
  logger: Logger;
  /** Outbound HTTP with the SSRF guard; platform API base URLs come from config. */
  http: HttpClient;
  /** A connection for small shared state (interaction dedup, per-channel pacing, conversation references). */
  redis: Redis;
  prefix: string;
  metrics: Metrics;
}

/**
 * One chat platform: the outbound ChatPlatform every worker uses, and the inbound half that the
 * ingress mounts on the shared HTTP server (or starts, for Socket Mode).
 */
export interface PlatformModule {
  readonly platform: ChatPlatform;
  registerRoutes?(server: FastifyInstance, router: ChatRouter): void;
  start?(router: ChatRouter): Promise<void>;
  stop?(): Promise<void>;
}
