import { existsSync, readFileSync } from 'node:fs';
import { Argument, Command, CommanderError } from 'commander';
import { z } from 'zod';
import { UserFacingError } from '../core/errors.js';
import { EVENT_NAMES } from '../core/events.js';
import { registerChat } from './commands/chat.js';
import { registerDlq } from './commands/dlq.js';
import { registerManifests } from './commands/manifests.js';
import { registerNotify } from './commands/notify.js';
import { registerCommandsRegistration } from './commands/register.js';
import { registerServe } from './commands/serve.js';
import { registerValidate } from './commands/validate.js';
import { COMPLETION_SHELLS, type CompletionShell, completionScript } from './completion.js';
import { defaultConfigOptions } from './config-file.js';
import { type CliContext, EXIT_CODES_HELP, EXIT_CONFIG, EXIT_FAILED, ExitError } from './context.js';

/** The installed package's version, from the nearest package.json above this file (src/ or dist/src/). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const candidate = new URL('package.json', dir);
    if (existsSync(candidate)) {
      return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(candidate, 'utf8'))).version;
    }
    if (dir.pathname === '/') throw new Error('package.json not found above the CLI');
  }
}

export function buildProgram(context: CliContext): Command {
  const program = new Command('threadline')
    .description('ChatOps for Slack, Teams and Discord: events in, notifications and actions out')
    .version(packageVersion())
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({
      writeOut: (s) => context.out(s.trimEnd()),
      writeErr: (s) => context.err(s.trimEnd()),
    });
  registerServe(program, context);
  registerValidate(program, context);
  registerNotify(program, context);
  registerDlq(program, context);
  registerChat(program, context);
  registerManifests(program, context);
  registerCommandsRegistration(program, context);
  program
    .command('completion')
    .description('print a shell completion script (see docs/cli.md to install it)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(COMPLETION_SHELLS))
    .action((shell: CompletionShell) => {
      context.out(completionScript(program, shell, { '--event': EVENT_NAMES }));
    });
  defaultConfigOptions(program, context);
  return program;
}

/** Runs the CLI and returns the process exit code (see EXIT_CODES_HELP). */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitError) return error.exitCode;
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? 0
        : EXIT_CONFIG;
    }
    if (error instanceof UserFacingError) {
      context.err(error.message);
      return EXIT_FAILED;
    }
    context.err(`threadline: ${(error as Error).message}`);
    return EXIT_FAILED;
  }
}
