import type { Command } from 'commander';
import { describeEnabledIntegrations } from '../../config/integrations.js';
import { CONNECTORS } from '../../connectors/catalogue.js';
import { type CliContext, loadOrExit } from '../context.js';

export function registerValidate(program: Command, context: CliContext): void {
  program
    .command('validate')
    .description(
      'check a config file; exit 0 if valid, otherwise exit 2 listing every problem with its key path',
    )
    .requiredOption('-c, --config <file>', 'config file (specs.config.yaml)')
    .action((options: { config: string }) => {
      const { config } = loadOrExit(options.config, context);
      const enabled = describeEnabledIntegrations(config.integrations, CONNECTORS);
      context.out(
        `${options.config}: valid; enabled integrations: ${enabled.length ? enabled.join(', ') : 'none'}`,
      );
    });
}
