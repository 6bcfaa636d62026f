import { type Command, InvalidArgumentError, Option } from 'commander';
import { assemble, type ServeRole } from '../../assemble.js';
import { PortInUseError } from '../../core/errors.js';
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
      const loaded = loadOrExit(options.config, context);
      const { logger } = loggerFor(loaded, 1);
      const app = await assemble(loaded, { role: options.role, logger, port: options.port }).catch(
        (error: unknown) => {
          if (!(error instanceof PortInUseError)) throw error;
          context.err(`threadline: ${error.message}`);
          throw new ExitError(EXIT_PORT_IN_USE);
        },
      );
      context.out(`threadline ${options.role} listening on ${app.url}`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const first = (received: NodeJS.Signals) => {
          process.off('SIGTERM', first);
          process.off('SIGINT', first);
          resolve(received);
        };
        process.on('SIGTERM', first);
        process.on('SIGINT', first);
      });
      logger.info({ signal }, 'signal received');
      // The shutdown is bounded, but an operator who asks twice gets the process ended now.
      const again = (second: NodeJS.Signals) => {
        context.err(`threadline: ${second} again, exiting without waiting for the shutdown`);
        process.exit(exitCodeForSignal(second));
      };
      process.on('SIGTERM', again);
      process.on('SIGINT', again);
      await app.close();
    });
}
