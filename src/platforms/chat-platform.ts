import type { FastifyInstance } from 'fastify';
import type { LinkedTicket } from '../../cards/ticket.js';
import type { Card } from '../core/card.js';
import type { ChatIngress, ConversationRef, MessageRef, PlatformName, ReplyTo } from '../core/chat.js';
import type { CommandSpec } from '../core/command.js';
import type { RedisClient } from '../core/redis-client.js';
import type { HttpClient } from '../net/http-client.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Incident } from '../workflows/incidents.js';
import type { ReadinessException } from '../workflows/readiness.js';
import type { PlatformsSettings } from './schema.js';

/**
 * The seam between Threadline and one chat platform. Inbound verification and parsing live in
 * each platform's HTTP route; this is the outbound half that workers use.
 */
export interface ChatPlatform {
  readonly name: PlatformName;
  /**
   * Posts a card into a conversation, or into `target.thread` when set. A command's result comes
   * with the request's ReplyTo as `target` (SubjectThreads keeps its fields), and a platform may
   * then answer through the request's own channel (Discord: the interaction's follow-up webhook).
   */
  post(target: ConversationRef | ReplyTo, card: Card): Promise<MessageRef>;
  /** Replaces a posted card in place. */
  update(message: MessageRef, card: Card): Promise<void>;
  /**
   * Shows a card to one user only. Platforms without ephemeral messages use a documented
   * fallback (Teams: a direct reply in the conversation addressed to the user).
   */
  postEphemeral(target: ReplyTo, card: Card): Promise<void>;
}

/** What of the config a platform may read; the whole config satisfies it. */
export interface PlatformConfigView {
  platforms: PlatformsSettings;
  queue: { request_timeout_ms: number };
  security: { allow_private_networks: boolean };
}

/** What a platform factory gets from the composition root. */
export interface PlatformDependencies {
  /** The parts of the config a platform reads: its own block, request deadline and SSRF setting. */
  config: Readonly<PlatformConfigView>;
  /** The command definitions, for manifests and for parsing options into command text. */
  commands: readonly CommandSpec[];
  logger: Logger;
  /** Outbound HTTP with the SSRF guard; platform API base URLs come from config. */
  http: HttpClient;
  /** A connection for small shared state (interaction dedup, per-channel pacing, conversation references). */
  redis: RedisClient;
  prefix: string;
  metrics: Metrics;
}

/**
 * One chat platform: the outbound ChatPlatform every worker uses, and the inbound half that the
 * ingress mounts on the shared HTTP server (or starts, for Socket Mode).
 */
export interface PlatformModule {
  readonly platform: ChatPlatform;
  registerRoutes?(server: FastifyInstance, router: ChatIngress): void;
  start?(router: ChatIngress): Promise<void>;
  stop?(): Promise<void>;
}

/**
 * What a connector that posts through a chat bot needs from the running chat runtime: the
 * platforms of this process and the subject threads (src/chat implements both).
 */
export interface ChatSurface {
  platforms: { get(name: PlatformName): ChatPlatform | undefined; require(name: PlatformName): ChatPlatform };
  threads: {
    post(conversation: ConversationRef, subject: string, reply: Card, parent?: Card): Promise<MessageRef>;
    /** Replaces the subject's parent card wherever it is shown; how many copies there were. */
    updateEverywhere(subject: string, card: Card): Promise<number>;
    /** Posts a reply in the subject's thread wherever its card is shown; how many threads. */
    replyEverywhere(subject: string, reply: Card): Promise<number>;
  };
  /** The incidents opened in Threadline: an incident's copy of its card is the interactive one. */
  incidents?: { find(id: string): Promise<Incident | undefined> };
  /** Readiness exceptions: while a spec has one, its thread's card is the exception's live card. */
  readiness?: { current(specId: string): Promise<ReadinessException | undefined> };
  /** Specs' tickets, where a tracker is enabled: shown on the spec's cards and told in its thread. */
  tickets?: {
    /** The spec's ticket on each enabled tracker that has one, in one read. */
    ofSpec(specId: string): Promise<readonly LinkedTicket[]>;
    /** Tells the spec's threads of tickets opened before a thread showed the spec; how many replies. */
    tellOpened(specId: string): Promise<number>;
  };
}
