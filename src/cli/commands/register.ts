import { type Command, Option } from 'commander';
import { COMMANDS } from '../../../commands/index.js';
import { errorMessage } from '../../core/errors.js';
import { HttpClient } from '../../net/http-client.js';
import { type CliContext, EXIT_FAILED, ExitError, loadOrExit } from '../context.js';

export function registerCommandsRegistration(program: Command, context: CliContext): void {
  const commands = program.command('commands').description('slash command registration');
  commands
    .command('register')
    .description(
      'register the slash commands with a platform (bulk overwrite: running it again changes nothing)',
    )
    .requiredOption('-c, --config <file>', 'config file')
    .addOption(
      new Option('--platform <name>', 'platform to register with').choices(['discord']).makeOptionMandatory(),
    )
    .option('--guild <id>', 'register in one guild (appears at once) instead of globally')
    .action(async (options: { config: string; guild?: string }) => {
      const { config } = loadOrExit(options.config, context);
      const http = new HttpClient({ allowPrivateNetworks: config.security.allow_private_networks });
      try {
        // Imported here so that other commands, serve above all, never load @discordjs/rest.
        const { registerDiscordCommands } = await import('../../platforms/discord/commands-manifest.js');
        const result = await registerDiscordCommands(config, http, {
          guildId: options.guild,
          commands: COMMANDS,
        });
        context.out(
          `registered ${result.commands.map((c) => `/${c.name}`).join(', ')} for application ${result.applicationId} (${result.scope})`,
        );
      } catch (error) {
        context.err(`could not register the commands: ${errorMessage(error)}`);
        throw new ExitError(EXIT_FAILED);
      } finally {
        await http.close();
      }
    });
}
