import type { CommandSpec } from '../core/command.js';

/**
 * The Slack app manifest (api.slack.com/reference/manifests): one slash command, interactivity
 * and events on /slack/events, and the bot scopes the platform adapter uses.
 */
export function slackManifest(options: {
  commandName: string;
  publicUrl: string;
  socketMode: boolean;
  commands: readonly CommandSpec[];
}) {
  const requestUrl = `${options.publicUrl.replace(/\/$/, '')}/slack/events`;
  const usage = options.commands.map((c) => c.name).join(' | ');
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'Threadline',
      description: 'ChatOps: page, acknowledge, approve and track work without leaving the thread.',
      background_color: '#1d2b3a',
    },
    features: {
      bot_user: { display_name: 'Threadline', always_online: true },
      slash_commands: [
        {
          command: `/${options.commandName}`,
          ...(options.socketMode ? {} : { url: requestUrl }),
          description: 'Threadline ChatOps commands (try help)',
          usage_hint: usage.length > 100 ? `${usage.slice(0, 99)}…` : usage,
          should_escape: false,
        },
      ],
    },
    oauth_config: {
      scopes: { bot: ['commands', 'chat:write', 'chat:write.public', 'app_mentions:read'] },
    },
    settings: {
      event_subscriptions: {
        ...(options.socketMode ? {} : { request_url: requestUrl }),
        bot_events: ['app_mention'],
      },
      interactivity: { is_enabled: true, ...(options.socketMode ? {} : { request_url: requestUrl }) },
      org_deploy_enabled: false,
      socket_mode_enabled: options.socketMode,
      token_rotation_enabled: false,
    },
  };
}
