import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/errors.js';
import type { PlatformsSettings } from './schema.js';

type PlatformName = 'slack' | 'discord' | 'teams';

interface NotServedAnswer {
  path: string;
  code: string;
  message: string;
  details: Record<string, string>;
}

/**
 * Where each chat platform sends its requests. The platform modules own the real routes; a test
 * holds these paths equal to theirs (importing them would load every platform's SDK).
 */
export const PLATFORM_INBOUND_ROUTES: ReadonlyArray<{ platform: PlatformName; label: string; path: string }> =
  [
    { platform: 'slack', label: 'Slack', path: '/slack/events' },
    { platform: 'discord', label: 'Discord', path: '/discord/interactions' },
    { platform: 'teams', label: 'Microsoft Teams', path: '/api/messages' },
  ];

/**
 * A platform pointed at this server while its block is off gets a 404 that says so and names
 * the key that turns it on, instead of the bare "no route" an operator cannot tell from a typo.
 * Any content type is accepted here: Slack posts form-encoded, and a 415 would hide the reason.
 */
export function registerDisabledPlatformRoutes(
  server: FastifyInstance,
  platforms: Readonly<PlatformsSettings>,
): void {
  const answers = PLATFORM_INBOUND_ROUTES.flatMap(({ platform, label, path }): NotServedAnswer[] => {
    const block = platforms[platform];
    if (!block?.enabled) {
      const key = `platforms.${platform}.enabled`;
      return [
        {
          path,
          code: 'platform_disabled',
          message: `${label} is disabled in this config: set ${key}: true (with its credentials) to receive POST ${path}`,
          details: { platform, enable_with: key },
        },
      ];
    }
    if (platform === 'slack' && platforms.slack?.socket_mode) {
      return [
        {
          path,
          code: 'platform_socket_mode',
          message: `Slack uses Socket Mode in this config (platforms.slack.socket_mode: true): its requests arrive over the socket, not at POST ${path}`,
          details: { platform },
        },
      ];
    }
    return [];
  });
  if (answers.length === 0) return;
  void server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const answer of answers) {
      scope.post(answer.path, (_request, reply) =>
        sendError(reply, 404, answer.code, answer.message, answer.details),
      );
    }
  });
}
