import type { Command } from 'commander';
import { NOT_YET_DELIVERED } from '../../connectors/registry.js';
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
      const enabled: string[] = [];
      for (const [name, block] of Object.entries(config.integrations)) {
        if (!block?.enabled) continue;
        if (name === 'webhooks' && 'endpoints' in block)
          enabled.push(`webhooks(${block.endpoints.map((e) => e.name).join(',')})`);
        else
          enabled.push(
            (NOT_YET_DELIVERED as readonly string[]).includes(name)
              ? `${name}(not delivered by this version)`
              : name,
          );
      }
      context.out(
        `${options.config}: valid; enabled integrations: ${enabled.length ? enabled.join(', ') : 'none'}`,
      );
    });
}
