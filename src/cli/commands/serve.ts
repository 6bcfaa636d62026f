import { type Command, InvalidArgumentError, Option } from 'commander';
import { assemble, type ServeRole } from '../../assemble.js';
import { PortInUseError } from '../../core/errors.js';
import { applyHeapGrowth } from '../../core/heap-growth.js';
import {
  type CliContext,
  EXIT_PORT_IN_USE,
  ExitError,
  exitCodeForSignal,
  loadOrExit,
  loggerFor,
} from '../context.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return port;
}

export function registerServe(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('run the bot: HTTP ingress and/or queue workers')
    .requiredOption('-c, --config <file>', 'config file (specs.config.yaml)')
    .option('-p, --port <port>', 'HTTP port (overrides server.port and PORT)', parsePort)
    .addOption(
      new Option('--role <role>', 'which part of the pipeline this process runs')
        .choices(['all', 'ingress', 'worker'])
        .default('all'),
    )
    .addHelpText(
      'after',
      '\nSIGTERM or SIGINT shuts down within server.shutdown_timeout_ms, then exits 0; a second signal exits at once (128 + signal number).',
    )
    .action(async (options: { config: string; port?: number; role: ServeRole }) => {
      // One handler from the start: a signal while starting ends the process at once, the first
      // one after that starts the shutdown, and a second one ends it without waiting. Nothing is
      // left to the default disposition, whatever moment the signal arrives at.
      let started = false;
      let shuttingDown = false;
      let onFirstSignal: (signal: NodeJS.Signals) => void = () => undefined;
      const firstSignal = new Promise<NodeJS.Signals>((resolve) => {
        onFirstSignal = resolve;
      });
      const onSignal = (received: NodeJS.Signals) => {
        if (!started || shuttingDown) {
          context.err(
            `threadline: ${received} ${started ? 'again, exiting without waiting for the shutdown' : 'while starting, exiting now'}`,
          );
          process.exit(exitCodeForSignal(received));
        }
        shuttingDown = true;
        onFirstSignal(received);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        const loaded = loadOrExit(options.config, context);
        const { logger } = loggerFor(loaded, 1);
        applyHeapGrowth(loaded.config.server.heap_growth_percent);
        const app = await assemble(loaded, { role: options.role, logger, port: options.port }).catch(
          (error: unknown) => {
            if (!(error instanceof PortInUseError)) throw error;
            context.err(`threadline: ${error.message}`);
            throw new ExitError(EXIT_PORT_IN_USE);
          },
        );
        started = true;
        context.out(`threadline ${options.role} listening on ${app.url}`);
        const signal = await firstSignal;
        logger.info({ signal }, 'signal received');
        await app.close();
      } catch (error) {
        // A serve that never started leaves no handler behind (the CLI also runs inside tests);
        // one that did keeps it until the process ends, so a late signal still exits at once.
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        throw error;
      }
    });
}
