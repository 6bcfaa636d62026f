import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { loadConfigFile } from '../../src/config/load.js';
import { generateManifests } from '../../src/manifests/index.js';

const generated = generateManifests(loadConfigFile('examples/specs.config.yaml', {}).config, COMMANDS);

function committedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? committedFiles(path) : [relative('manifests', path)];
  });
}

describe('generated manifests', () => {
  it('match the committed copies in manifests/ (run `npm run manifests` after changing commands)', () => {
    expect(committedFiles('manifests').sort()).toEqual([...generated.keys()].sort());
    for (const [path, content] of generated) {
      const committed = readFileSync(join('manifests', path));
      expect(
        Buffer.compare(committed, Buffer.from(content)),
        `${path} has drifted from the command definitions`,
      ).toBe(0);
    }
  });

  it('give Slack one slash command whose requests, interactivity and events go to /slack/events', () => {
    const manifest = JSON.parse(generated.get('slack/manifest.json') as string);
    expect(manifest.features.slash_commands).toEqual([
      expect.objectContaining({
        command: '/ops',
        url: 'https://threadline.example.com/slack/events',
        should_escape: false,
      }),
    ]);
    expect(manifest.features.slash_commands[0].usage_hint.length).toBeLessThanOrEqual(100);
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: 'https://threadline.example.com/slack/events',
    });
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write']));
  });

  it('package a Teams app within the manifest limits, with both icons at their required sizes', () => {
    const zip = unzipSync(generated.get('teams/threadline-teams-app.zip') as Uint8Array);
    expect(Object.keys(zip).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(strFromU8(zip['manifest.json']!));
    expect(manifest.manifestVersion).toBe('1.17');
    const commands = manifest.bots[0].commandLists[0].commands as Array<{
      title: string;
      description: string;
    }>;
    expect(commands.length).toBeLessThanOrEqual(10);
    for (const command of commands) {
      expect(command.title.length).toBeLessThanOrEqual(32);
      expect(command.description.length).toBeLessThanOrEqual(128);
    }
    const size = (png: Uint8Array) => [Buffer.from(png).readUInt32BE(16), Buffer.from(png).readUInt32BE(20)];
    expect(size(zip['color.png']!)).toEqual([192, 192]);
    expect(size(zip['outline.png']!)).toEqual([32, 32]);
  });
});
