import type { PlatformConfigView } from '../chat-platform.js';

/**
 * The Bot Framework endpoints of the public Azure cloud. `platforms.teams.openid_metadata_url`
 * and `platforms.teams.login_url` override the two that are URLs we fetch (sovereign clouds,
 * and loopback fakes in tests); issuer and scope are names, not addresses, and stay fixed.
 */
export const PUBLIC_CLOUD = {
  openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  emulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  loginUrl: 'https://login.microsoftonline.com',
  tokenIssuer: 'https://api.botframework.com',
  oauthScope: 'https://api.botframework.com',
  oauthUrl: 'https://api.botframework.com',
  callerId: 'urn:botframework:azure',
  /** Multi-tenant bots get their tokens from the Bot Framework's own tenant. */
  defaultTenant: 'botframework.com',
} as const;

type TeamsConfig = NonNullable<PlatformConfigView['platforms']['teams']>;

/** Keys the config schema may not know yet; until it does they are simply absent. */
type TeamsEndpointConfig = { openid_metadata_url?: string; login_url?: string };

export interface TeamsSettings {
  /** Unset only in development mode: inbound requests are then accepted unauthenticated. */
  appId?: string;
  appPassword?: string;
  /** Set for a single-tenant bot: tokens come from this tenant. */
  tenantId?: string;
  openIdMetadataUrl: string;
  /** The AAD authority host; the token endpoint is `{loginUrl}/{tenant}/oauth2/v2.0/token`. */
  loginUrl: string;
  tokenIssuer: string;
  oauthScope: string;
  commandName: string;
  timeoutMs: number;
}

export function teamsSettings(config: Readonly<PlatformConfigView>): TeamsSettings {
  const teams = (config.platforms.teams ?? { enabled: false }) as TeamsConfig & TeamsEndpointConfig;
  return {
    appId: teams.app_id,
    appPassword: teams.app_password,
    tenantId: teams.tenant_id,
    openIdMetadataUrl: teams.openid_metadata_url ?? PUBLIC_CLOUD.openIdMetadataUrl,
    loginUrl: (teams.login_url ?? PUBLIC_CLOUD.loginUrl).replace(/\/+$/, ''),
    tokenIssuer: PUBLIC_CLOUD.tokenIssuer,
    oauthScope: PUBLIC_CLOUD.oauthScope,
    commandName: config.platforms.command,
    timeoutMs: config.queue.request_timeout_ms,
  };
}

export function tokenTenant(settings: TeamsSettings): string {
  return settings.tenantId ?? PUBLIC_CLOUD.defaultTenant;
}
