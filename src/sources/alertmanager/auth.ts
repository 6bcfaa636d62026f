import { authorizationMatches } from '../common/credentials.js';
import type { AlertmanagerInboundConfig } from './schema.js';

/**
 * Whether an `Authorization` header carries one of the configured credentials, as Alertmanager's
 * `http_config` sends them: `Bearer <token>` (`authorization` or `bearer_token`) or
 * `Basic <base64 user:password>` (`basic_auth`).
 */
export function authorised(settings: AlertmanagerInboundConfig, header: string | undefined): boolean {
  return authorizationMatches(header, { tokens: settings.bearer_token, basic: settings.basic_auth });
}
