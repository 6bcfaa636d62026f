import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { assemble } from '../../assemble.js';
import { type ConsoleOutcome, type ConsoleSession, openConsoleSession } from '../../chat/console-session.js';
import {
  type CliContext,
  EXIT_CONFIG,
  EXIT_FAILED,
  EXIT_OK,
  ExitError,
  loadOrExit,
  loggerFor,
} from '../context.js';

const EXIT_FOR: Record<ConsoleOutcome, number> = {
  done: EXIT_OK,
  failed: EXIT_FAILED,
  unfinished: EXIT_FAILED,
  usage: EXIT_CONFIG,
};

interface ChatOptions {
  config: string;
  as?: string;
  command?: string[];
  logFile?: string;
}

export function registerChat(program: Command, context: CliContext): void {
  program
    .command('chat')
    .description(
      'a terminal prompt that runs the chat commands, with cards printed as text (the CLI twin of chat)',
    )
    .requiredOption('-c, --config <file>', 'config file (specs.config.yaml)')
    .option('--as <user>', 'act as this console user (RBAC member console:<user>)')
    .option('--command <text...>', 'run these commands, wait for their results, and exit')
    .option(
      '--log-file <file>',
      'append warnings here (default: stderr with --command, else threadline-chat.log in the temp folder)',
    )
    .addHelpText(
      'after',
      '\nWith --command: exit 0 when every line succeeded, 1 when a command was refused, failed or was still running after 30 s, 2 for an unknown command or wrong arguments (the first line that did not succeed decides).',
    )
    .action(async (options: ChatOptions) => {
      const loaded = loadOrExit(options.config, context);
      // Logs never go to stdout, where the cards are: a script reads stderr, a person a file.
      const logFile =
        options.logFile ?? (options.command ? undefined : join(tmpdir(), 'threadline-chat.log'));
      const { logger } = loggerFor(loaded, logFile ? { file: logFile } : 2, 'warn');
      const write = (text: string) => context.out(text.trimEnd());
      const app = await assemble(loaded, { role: 'console', logger, write });
      const session = openConsoleSession(app.chat, { user: options.as ?? context.env.USER, write });
      let exitCode = EXIT_OK;
      try {
        if (options.command) {
          for (const line of options.command) {
            const code = EXIT_FOR[await session.settle(await session.run(line))];
            if (exitCode === EXIT_OK) exitCode = code;
          }
        } else {
          await interact(loaded.config.platforms.command, logFile, context, session);
        }
      } finally {
        await app.close();
      }
      if (exitCode !== EXIT_OK) throw new ExitError(exitCode);
    });
}

async function interact(
  commandName: string,
  logFile: string | undefined,
  context: CliContext,
  session: ConsoleSession,
): Promise<void> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY,
  });
  context.out(
    `Type commands as you would after /${commandName} (help lists them); !<action> <value> presses a button; exit or Ctrl-D quits.${logFile ? ` Warnings are written to ${logFile}.` : ''}`,
  );
  rl.setPrompt(`${commandName}> `);
  rl.prompt();
  for await (const line of rl) {
    if (line.trim() === 'exit' || line.trim() === 'quit') break;
    if (line.trim() !== '') await session.settle(await session.run(line), 60_000);
    rl.prompt();
  }
  rl.close();
}
