import type { Command } from 'commander';
import { assemble } from '../../assemble.js';
import { NotFoundError } from '../../core/errors.js';
import type { DeadLetters } from '../../queue/dead-letters.js';
import { type CliContext, EXIT_CONFIG, EXIT_FAILED, ExitError, loadOrExit, loggerFor } from '../context.js';

async function withDeadLetters<T>(
  file: string,
  context: CliContext,
  use: (dlq: DeadLetters) => Promise<T>,
): Promise<T> {
  const loaded = loadOrExit(file, context);
  const { logger } = loggerFor(loaded, 2, 'warn');
  const app = await assemble(loaded, { role: 'admin', logger });
  try {
    return await use(app.deadLetters);
  } finally {
    await app.close();
  }
}
export function registerDlq(program: Command, context: CliContext): void {
  const dlq = program.command('dlq').description('dead letters: deliveries that failed for good');

  dlq
    .command('list')
    .description('list dead letters with their last error')
    .requiredOption('-c, --config <file>', 'config file')
    .option('--integration <key>', 'only this destination (e.g. slack, webhooks.analytics)')
    .option('--json', 'one JSON object per line')
    .action(async (options: { config: string; integration?: string; json?: boolean }) => {
      const letters = await withDeadLetters(options.config, context, (d) =>
        d.list({ integration: options.integration }),
      );
      if (options.json) {
        for (const letter of letters) context.out(JSON.stringify(letter));
        return;
      }
      if (letters.length === 0) {
        context.out('no dead letters');
        return;
      }
      for (const l of letters) {
        context.out(
          `${l.id}  ${l.integration}  ${l.event}${l.specId ? ` ${l.specId}` : ''}  attempts=${l.attempts}  ${l.failedAt ?? ''}`,
        );
        context.out(`    last error: ${l.lastError}`);
      }
      context.out(`${letters.length} dead letter(s); replay with: threadline dlq replay <id> | --all`);
    });

  dlq
    .command('replay')
    .description('send dead letters again, with the same delivery id')
    .argument('[id]', 'dead letter id from dlq list')
    .requiredOption('-c, --config <file>', 'config file')
    .option('--all', 'replay every dead letter')
    .option('--integration <key>', 'with --all: only this destination')
    .action(
      async (id: string | undefined, options: { config: string; all?: boolean; integration?: string }) => {
        if (Boolean(id) === Boolean(options.all)) {
          context.err('give a dead letter id or --all');
          throw new ExitError(EXIT_CONFIG);
        }
        try {
          const replayed = await withDeadLetters(options.config, context, (d) =>
            options.all ? d.replayAll({ integration: options.integration }) : d.replay(id!).then((l) => [l]),
          );
          for (const l of replayed) context.out(`replayed ${l.id} → ${l.integration}`);
          context.out(`${replayed.length} dead letter(s) queued again`);
        } catch (error) {
          if (error instanceof NotFoundError) {
            context.err(error.message);
            throw new ExitError(EXIT_FAILED);
          }
          throw error;
        }
      },
    );
}
