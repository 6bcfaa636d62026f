import { strToU8, zipSync } from 'fflate';
import type { CommandSpec } from '../core/command.js';
import { threadlineIcon } from './png.js';

/** Stands in for the bot's Microsoft app id until platforms.teams.app_id is set. */
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The Teams app manifest (schema 1.17) with the bot's command list. Teams shows at most ten
 * commands per list, so the most used ones are listed and `help` names the rest.
 */
export function teamsManifest(options: {
  commandName: string;
  appId?: string;
  publicUrl: string;
  commands: readonly CommandSpec[];
}) {
  const appId = options.appId ?? PLACEHOLDER_APP_ID;
  const host = new URL(options.publicUrl).hostname;
  const listed = options.commands.slice(0, 10).map((c) => ({
    title: `${options.commandName} ${c.name}`.slice(0, 32),
    description: c.summary.slice(0, 128),
  }));
  return {
    $schema: 'https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json',
    manifestVersion: '1.17',
    version: '0.1.0',
    id: appId,
    developer: {
      name: 'Threadline',
      websiteUrl: options.publicUrl,
      privacyUrl: `${options.publicUrl.replace(/\/$/, '')}/privacy`,
      termsOfUseUrl: `${options.publicUrl.replace(/\/$/, '')}/terms`,
    },
    name: { short: 'Threadline', full: 'Threadline ChatOps' },
    description: {
      short: 'Page, acknowledge and approve from the thread.',
      full: 'Threadline turns commands and card buttons into pages, tickets and approvals, and threads every result back where it was asked for.',
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: '#1D2B3A',
    bots: [
      {
        botId: appId,
        scopes: ['personal', 'team', 'groupChat'],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [{ scopes: ['personal', 'team', 'groupChat'], commands: listed }],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [host],
  };
}

/** manifest.json plus both icons, zipped: the file an admin uploads to Teams. */
export function teamsPackage(manifest: ReturnType<typeof teamsManifest>): Uint8Array {
  return zipSync(
    {
      'manifest.json': strToU8(`${JSON.stringify(manifest, null, 2)}\n`),
      'color.png': threadlineIcon(192, false),
      'outline.png': threadlineIcon(32, true),
    },
    // A fixed timestamp keeps the zip byte-for-byte reproducible, so the drift test can compare it.
    { level: 9, mtime: new Date('2026-01-01T00:00:00Z') },
  );
}
