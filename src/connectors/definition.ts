import type { z } from 'zod';
import type { ConfigProblem } from '../core/errors.js';
import type { RedisClient } from '../core/redis-client.js';
import type { HttpClient } from '../net/http-client.js';
import type { ChatSurface } from '../platforms/chat-platform.js';
import type { Connector } from './connector.js';

/**
 * The chat platform settings (`platforms.*`) that decide how a chat integration is delivered:
 * through the platform's bot into a thread, or through the integration's own webhook.
 */
export interface ChatPlatformSettings {
  readonly slack?: { readonly enabled: boolean; readonly api_url: string; readonly bot_token?: string };
  readonly teams?: { readonly enabled: boolean };
  readonly discord?: { readonly enabled: boolean };
}

/** What a definition may look at beside its own block when deciding what is required. */
export interface RequirementContext {
  readonly platforms: ChatPlatformSettings;
}

/** What a factory gets beside its own block. */
export interface ConnectorContext extends RequirementContext {
  /** Defaults for integrations that set neither retry_count nor timeout_ms. */
  readonly queue: { readonly retry_count: number; readonly request_timeout_ms: number };
  readonly http: HttpClient;
  /** security.allow_private_networks: transports that connect on their own (SMTP) apply it. */
  readonly allowPrivateNetworks: boolean;
  /** The running chat platforms, for notifications threaded through a bot instead of a webhook. */
  readonly chat: () => ChatSurface | undefined;
  /**
   * The process's Redis and key prefix, once connected; undefined where there is none (notify
   * --direct). Connectors that keep state of their own (ticket links) use it at delivery time.
   */
  readonly redis: () => ConnectorRedis | undefined;
}

export interface ConnectorRedis {
  readonly client: RedisClient;
  readonly prefix: string;
}

/** Every integration block has an on/off switch; the rest is the connector's own. */
export type IntegrationSchema = z.ZodType<{ enabled: boolean }>;

/**
 * One integration: its `integrations.<name>` block and how it becomes connectors. A definition
 * without `create` is validated but not delivered by this version.
 *
 * `requires` and `create` are methods so that a list of definitions with different block types
 * is still one array type; each is only ever called with a block its own schema produced.
 */
export interface ConnectorDefinition<
  Name extends string = string,
  Schema extends IntegrationSchema = IntegrationSchema,
> {
  /** The key under `integrations:` (as the Integrations Guide writes it). */
  readonly name: Name;
  readonly schema: Schema;
  /**
   * Keys of the block (dotted, relative to it) that fall back to the environment variable the
   * Integrations Guide names, applied only when the block exists and the key is absent.
   */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * What an enabled block cannot work without that its schema cannot express. Paths are relative
   * to the block (`webhook_url`, `endpoints[1].name`); the caller prefixes `integrations.<name>.`.
   */
  requires?(block: z.output<Schema>, context: RequirementContext): ConfigProblem[];
  /**
   * What an enabled block waits for before it does anything, where the Integrations Guide's own
   * block leaves it out because the guide's environment supplies it (GitHub Actions gives every job
   * a token and its repository). Missing, these are notices, not errors: the integration stays
   * idle (`create` builds nothing) and `validate` says what to set.
   */
  waitsFor?(block: z.output<Schema>): ConfigProblem[];
  /**
   * Builds the connectors of an enabled block. Absent: not delivered by this version. A connector
   * whose implementation pulls a large library imports it here (`await import(...)`), so that the
   * catalogue, which the config schema imports, stays light and a disabled block loads nothing.
   */
  create?(block: z.output<Schema>, context: ConnectorContext): Connector[] | Promise<Connector[]>;
  /** How `threadline validate` names an enabled block (default: its name). */
  describe?(block: z.output<Schema>): string;
  /** For a definition without `create`: the step that delivers it, e.g. "ticketing, step 3". */
  readonly arrives?: string;
}

export function defineConnector<const Name extends string, Schema extends IntegrationSchema>(
  definition: ConnectorDefinition<Name, Schema>,
): ConnectorDefinition<Name, Schema> {
  return definition;
}

export function isDelivered(definition: ConnectorDefinition): boolean {
  return definition.create !== undefined;
}

/** True for a present block switched on; the argument is a block as the schema produced it, or absent. */
export function isEnabled(block: unknown): block is { enabled: true } {
  return typeof block === 'object' && block !== null && 'enabled' in block && block.enabled === true;
}

/** The common "required when enabled" problem, with the hint saying where the value comes from. */
export function requiredKey(path: string, hint: string): ConfigProblem {
  return { path, message: 'is required when the integration is enabled', hint };
}

/** A requiredKey problem for each key of `hints` that the block leaves empty, in the order given. */
export function missingKeys<Block extends object>(
  block: Block,
  hints: Partial<Record<keyof Block & string, string>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, hint] of Object.entries<string | undefined>(hints)) {
    if (hint !== undefined && !Reflect.get(block, key)) problems.push(requiredKey(key, hint));
  }
  return problems;
}

/** Attempts and deadline of one destination: its own settings, else the queue's defaults. */
export function deliveryLimits(
  own: { retry_count?: number; timeout_ms?: number },
  context: ConnectorContext,
): { retryCount: number; timeoutMs: number } {
  return {
    retryCount: own.retry_count ?? context.queue.retry_count,
    timeoutMs: own.timeout_ms ?? context.queue.request_timeout_ms,
  };
}
