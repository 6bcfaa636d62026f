import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Role, startApp } from '../../app.js';
import { type CliContext, loadOrExit, loggerFor } from '../context.js';

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
    .action(async (options: { config: string; port?: number; role: Role }) => {
      const loaded = loadOrExit(options.config, context);
      const { logger } = loggerFor(loaded, 1);
      const app = await startApp(loaded, { role: options.role, logger, port: options.port });
      context.out(`threadline ${options.role} listening on ${app.url}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          app.close().then(resolve, (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            resolve();
          });
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
    });
}
