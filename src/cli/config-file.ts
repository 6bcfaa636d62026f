import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Option } from 'commander';
import type { Env } from '../config/interpolate.js';
import { type CliContext, EXIT_CONFIG, ExitError } from './context.js';

export const CONFIG_ENV_VAR = 'THREADLINE_CONFIG';
export const DEFAULT_CONFIG_FILE = './specs.config.yaml';

/**
 * The config file when --config is not given: $THREADLINE_CONFIG, else ./specs.config.yaml. An
 * explicit --config always wins, so a script can override an exported variable.
 */
export function defaultConfigFile(env: Env): { file: string; from: string } {
  const named = env[CONFIG_ENV_VAR];
  return named ? { file: named, from: CONFIG_ENV_VAR } : { file: DEFAULT_CONFIG_FILE, from: 'default' };
}

/**
 * Gives every command's `--config` its default and checks, before the command runs, that a
 * defaulted file exists: the commands keep declaring `--config` as they like and only ever see
 * a path. A missing explicit file is left to the loader, which names it already.
 */
export function defaultConfigOptions(program: Command, context: CliContext): void {
  const fallback = defaultConfigFile(context.env);
  const description =
    fallback.from === CONFIG_ENV_VAR
      ? `${fallback.file}, from $${CONFIG_ENV_VAR}`
      : `$${CONFIG_ENV_VAR}, else ${DEFAULT_CONFIG_FILE}`;
  for (const command of allCommands(program)) {
    const option = configOption(command);
    if (!option) continue;
    // The option was added without a default, so set the value too, not only what help shows.
    option.default(fallback.file, description);
    command.setOptionValueWithSource(option.attributeName(), fallback.file, 'default');
  }

  program.hook('preAction', (_program, actionCommand) => {
    const option = configOption(actionCommand);
    if (!option || actionCommand.getOptionValueSource(option.attributeName()) !== 'default') return;
    const absolute = resolve(fallback.file);
    if (existsSync(absolute)) return;
    context.err(
      fallback.from === CONFIG_ENV_VAR
        ? `no config file at ${absolute} (named by ${CONFIG_ENV_VAR}): fix ${CONFIG_ENV_VAR} or pass --config FILE`
        : `no config file: looked for ${absolute} (pass --config FILE or set ${CONFIG_ENV_VAR})`,
    );
    throw new ExitError(EXIT_CONFIG);
  });
}

export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

function configOption(command: Command): Option | undefined {
  return command.options.find((option) => option.long === '--config');
}
