import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { startConsoleSession } from '../../platforms/console/session.js';
import { type CliContext, loadOrExit, loggerFor } from '../context.js';

export function registerChat(program: Command, context: CliContext): void {
  program
    .command('chat')
    .description(
      'a terminal prompt that runs the chat commands, with cards printed as text (the CLI twin of chat)',
    )
    .requiredOption('-c, --config <file>', 'config file (specs.config.yaml)')
    .option('--as <user>', 'act as this console user (RBAC member console:<user>)')
    .option('--command <text...>', 'run these commands, wait for their results, and exit')
    .action(async (options: { config: string; as?: string; command?: string[] }) => {
      const loaded = loadOrExit(options.config, context);
      const { logger } = loggerFor(loaded, 2, 'warn');
      const session = await startConsoleSession(loaded, {
        logger,
        user: options.as ?? context.env.USER,
        write: (text) => context.out(text.trimEnd()),
      });
      try {
        if (options.command) {
          for (const line of options.command) await session.settle(await session.run(line));
          return;
        }
        const prompt = `${loaded.config.platforms.command}> `;
        const rl = createInterface({
          input: process.stdin,
          output: process.stdout,
          terminal: process.stdin.isTTY,
        });
        context.out(
          `Type commands as you would after /${loaded.config.platforms.command} (help lists them); !<action> <value> presses a button; exit or Ctrl-D quits.`,
        );
        rl.setPrompt(prompt);
        rl.prompt();
        for await (const line of rl) {
          if (line.trim() === 'exit' || line.trim() === 'quit') break;
          if (line.trim() !== '') await session.settle(await session.run(line), 60_000);
          rl.prompt();
        }
        rl.close();
      } finally {
        await session.close();
      }
    });
}
