import type { IncomingHttpHeaders } from 'node:http';
import { authorizationMatches, matchesAny } from '../common/credentials.js';
import type { DatadogInboundConfig } from './schema.js';

/** The custom header a Datadog webhook can carry its token in (Custom Headers in the tile). */
export const TOKEN_HEADER = 'x-threadline-token';

/**
 * Whether the request carries one of the configured credentials: the token in `X-Threadline-Token`
 * or as `Authorization: Bearer <token>` (both set with the webhook's Custom Headers), or basic
 * auth (the webhook's Auth Method).
 */
export function authorised(settings: DatadogInboundConfig, headers: IncomingHttpHeaders): boolean {
  const custom = headers[TOKEN_HEADER];
  const byHeader = typeof custom === 'string' && matchesAny(custom.trim(), settings.token);
  const byAuthorization = authorizationMatches(headers.authorization, {
    tokens: settings.token,
    basic: settings.basic_auth,
  });
  return byHeader || byAuthorization;
}
