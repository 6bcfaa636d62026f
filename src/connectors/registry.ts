import type { EventName } from '../core/events.js';
import type { HttpClient } from '../net/http-client.js';
import type { ChatSurface } from '../platforms/chat-platform.js';
import { CONNECTORS } from './catalogue.js';
import type { Connector } from './connector.js';
import {
  type ChatPlatformSettings,
  type ConnectorContext,
  type ConnectorDefinition,
  type ConnectorRedis,
  isEnabled,
} from './definition.js';

export interface ConnectorDependencies {
  http: HttpClient;
  /** The running chat platforms, for notifications threaded through a bot instead of a webhook. */
  chat?: () => ChatSurface | undefined;
  /** The process's Redis once connected, for connectors that keep state (ticket links). */
  redis?: () => ConnectorRedis | undefined;
}

/** The parts of the validated config the connectors are built from. */
export interface ConnectorSettings {
  readonly integrations: { readonly [name: string]: unknown };
  readonly queue: ConnectorContext['queue'];
  readonly security: { readonly allow_private_networks: boolean };
  readonly platforms: ChatPlatformSettings;
}

/** The enabled destinations, keyed by connector key; built once per config. */
export class ConnectorRegistry {
  private readonly byKey: Map<string, Connector>;

  constructor(connectors: readonly Connector[]) {
    this.byKey = new Map(connectors.map((c) => [c.key, c]));
  }

  /** One or more connectors for every enabled integration that this version delivers. */
  static async fromConfig(
    config: ConnectorSettings,
    deps: ConnectorDependencies,
    definitions: readonly ConnectorDefinition[] = CONNECTORS,
  ): Promise<ConnectorRegistry> {
    const context: ConnectorContext = {
      platforms: config.platforms,
      queue: config.queue,
      http: deps.http,
      allowPrivateNetworks: config.security.allow_private_networks,
      chat: deps.chat ?? (() => undefined),
      redis: deps.redis ?? (() => undefined),
    };
    const connectors: Connector[] = [];
    for (const definition of definitions) {
      const block = config.integrations[definition.name];
      if (definition.create && isEnabled(block))
        connectors.push(...(await definition.create(block, context)));
    }
    return new ConnectorRegistry(connectors);
  }

  get(key: string): Connector | undefined {
    return this.byKey.get(key);
  }

  all(): Connector[] {
    return [...this.byKey.values()];
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((c) => c.close?.()));
  }

  /** Who receives an event: every enabled connector whose event list names it. */
  route(event: EventName): Connector[] {
    return this.all().filter((c) => c.accepts(event));
  }
}
