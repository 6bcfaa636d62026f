import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ThreadlineConfig } from '../config/schema.js';
import type { CommandSpec } from '../core/command.js';
import { discordCommandManifest } from '../platforms/discord/commands-manifest.js';
import { slackManifest } from './slack.js';
import { PLACEHOLDER_APP_ID, teamsManifest, teamsPackage } from './teams.js';

const DEFAULT_PUBLIC_URL = 'https://threadline.example.com';

/** Every generated file, by path relative to the output folder. */
export function generateManifests(
  config: ThreadlineConfig,
  commands: readonly CommandSpec[],
): Map<string, string | Uint8Array> {
  const publicUrl = config.server.public_url ?? DEFAULT_PUBLIC_URL;
  const commandName = config.platforms.command;
  const files = new Map<string, string | Uint8Array>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  files.set(
    'slack/manifest.json',
    json(
      slackManifest({
        commandName,
        publicUrl,
        socketMode: config.platforms.slack?.socket_mode ?? false,
        commands,
      }),
    ),
  );
  const teams = teamsManifest({ commandName, publicUrl, appId: config.platforms.teams?.app_id, commands });
  files.set('teams/manifest.json', json(teams));
  files.set('teams/threadline-teams-app.zip', teamsPackage(teams));
  files.set('discord/commands.json', json(discordCommandManifest(commands, commandName)));
  return files;
}

/**
 * One line per placeholder the manifests would carry because a key is unset: a manifest that
 * points at threadline.example.com or an all-zero Teams app id installs, then never works.
 */
export function manifestWarnings(config: ThreadlineConfig): string[] {
  const warnings: string[] = [];
  if (!config.server.public_url)
    warnings.push(
      `server.public_url is not set: the manifests point at ${DEFAULT_PUBLIC_URL}; set it to the https address Slack and Teams reach this server at`,
    );
  if (!config.platforms.teams?.app_id)
    warnings.push(
      `platforms.teams.app_id is not set: the Teams manifest carries the placeholder app id ${PLACEHOLDER_APP_ID}; set it to the bot's Microsoft app id`,
    );
  return warnings;
}

export function writeManifests(outDir: string, files: Map<string, string | Uint8Array>): string[] {
  const written: string[] = [];
  for (const [path, content] of files) {
    const target = join(outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    written.push(target);
  }
  return written;
}
