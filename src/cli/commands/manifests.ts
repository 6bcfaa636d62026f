import type { Command } from 'commander';
import { COMMANDS } from '../../../commands/index.js';
import { type CliContext, loadOrExit } from '../context.js';

export function registerManifests(program: Command, context: CliContext): void {
  program
    .command('manifests')
    .description(
      'generate the Slack app manifest, the Teams app package and the Discord command JSON from the command definitions',
    )
    .requiredOption('-c, --config <file>', 'config file (public URL, command name, app ids)')
    .requiredOption('-o, --out <dir>', 'output folder')
    .action(async (options: { config: string; out: string }) => {
      const { config } = loadOrExit(options.config, context);
      // Imported here: the Discord manifest brings @discordjs/rest, which serve must not load.
      const { generateManifests, manifestWarnings, writeManifests } = await import(
        '../../manifests/index.js'
      );
      for (const file of writeManifests(options.out, generateManifests(config, COMMANDS)))
        context.out(`wrote ${file}`);
      for (const warning of manifestWarnings(config)) context.err(`warning: ${warning}`);
    });
}
