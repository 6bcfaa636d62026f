import type { ThreadlineConfig } from '../config/schema.js';
import type { EventName } from '../core/events.js';
import type { HttpClient } from '../net/http-client.js';
import { type ChatSurface, ChatThreadConnector } from './chat-thread/chat-thread.connector.js';
import type { Connector } from './connector.js';
import { DiscordConnector } from './discord/discord.connector.js';
import { EmailConnector } from './email/email.connector.js';
import { SlackConnector } from './slack/slack.connector.js';
import { TeamsConnector } from './teams/teams.connector.js';
import { WebhookConnector } from './webhook/webhook.connector.js';

export interface ConnectorDependencies {
  http: HttpClient;
  /** The running chat platforms, for notifications threaded through a bot instead of a webhook. */
  chat?: () => ChatSurface | undefined;
}

/**
 * Integrations in the config that this version does not deliver to yet (later steps). They
 * validate and show in `threadline validate`, but no event is routed to them.
 */
export const NOT_YET_DELIVERED = [
  'jira',
  'linear',
  'azure_devops',
  'github_projects',
  'ms_project',
  'pagerduty',
  'opsgenie',
  'datadog',
  'new_relic',
  'sentry',
] as const;

/** The enabled destinations, keyed by connector key; built once per config. */
export class ConnectorRegistry {
  private readonly byKey: Map<string, Connector>;

  constructor(connectors: readonly Connector[]) {
    this.byKey = new Map(connectors.map((c) => [c.key, c]));
  }

  static fromConfig(config: ThreadlineConfig, deps: ConnectorDependencies): ConnectorRegistry {
    const connectors: Connector[] = [];
    const q = config.queue;
    const retries = (own: number | undefined) => own ?? q.retry_count;
    const timeout = (own: number | undefined) => own ?? q.request_timeout_ms;
    const i = config.integrations;

    const p = config.platforms;
    const surface = deps.chat ?? (() => undefined);
    const threaded = (
      integration: 'slack' | 'teams' | 'discord',
      conversation: string,
      block: { notify_on: EventName[]; retry_count?: number; timeout_ms?: number },
      mentions: readonly string[] = [],
    ) =>
      new ChatThreadConnector(
        integration,
        integration,
        { workspace: 'default', conversation },
        block.notify_on,
        mentions,
        surface,
        retries(block.retry_count),
        timeout(block.timeout_ms),
      );

    if (i.slack?.enabled) {
      connectors.push(
        p.slack?.enabled && p.slack.bot_token && i.slack.channel
          ? threaded('slack', i.slack.channel, i.slack, i.slack.mention_on_failure)
          : new SlackConnector(
              i.slack,
              p.slack,
              deps.http,
              retries(i.slack.retry_count),
              timeout(i.slack.timeout_ms),
            ),
      );
    }
    if (i.teams?.enabled) {
      connectors.push(
        p.teams?.enabled && i.teams.conversation_id
          ? threaded('teams', i.teams.conversation_id, i.teams)
          : new TeamsConnector(i.teams, deps.http, retries(i.teams.retry_count), timeout(i.teams.timeout_ms)),
      );
    }
    if (i.discord?.enabled) {
      connectors.push(
        p.discord?.enabled && i.discord.channel_id
          ? threaded('discord', i.discord.channel_id, i.discord)
          : new DiscordConnector(
              i.discord,
              deps.http,
              retries(i.discord.retry_count),
              timeout(i.discord.timeout_ms),
            ),
      );
    }
    if (i.email?.enabled) {
      const options = { allowPrivateNetworks: config.security.allow_private_networks };
      connectors.push(
        new EmailConnector(i.email, options, retries(i.email.retry_count), timeout(i.email.timeout_ms)),
      );
    }
    if (i.webhooks?.enabled) {
      for (const endpoint of i.webhooks.endpoints) {
        connectors.push(
          new WebhookConnector(
            endpoint,
            deps.http,
            retries(endpoint.retry_count),
            timeout(endpoint.timeout_ms),
          ),
        );
      }
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
