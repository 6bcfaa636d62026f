import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { assemble } from '../../assemble.js';
import type { Env } from '../../config/interpolate.js';
import { formatPath } from '../../config/interpolate.js';
import { QueueUnavailableError, UserFacingError } from '../../core/errors.js';
import { isEventName } from '../../core/events.js';
import { readableIssue } from '../../core/issues.js';
import { EventPayload } from '../../core/payload.js';
import { unknownEventHint } from '../../core/suggest.js';
import { deliverDirect } from '../../events/direct-delivery.js';
import { readSpecFile } from '../../events/spec-file.js';
import { type CliContext, EXIT_CONFIG, EXIT_FAILED, ExitError, loadOrExit, loggerFor } from '../context.js';

interface NotifyOptions {
  config: string;
  event: string;
  spec?: string;
  payload?: string;
  pr?: number;
  branch?: string;
  error?: string;
  logsUrl?: string;
  id?: string;
  direct?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/** The seed's payload from a spec file (and what CI exposes about the repository). */
export function payloadFromOptions(options: NotifyOptions, env: Env): unknown {
  if (options.payload) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(options.payload, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new UserFacingError(`cannot read payload file ${options.payload}: ${(error as Error).message}`);
    }
    return { ...json, event: options.event, ...(options.id ? { id: options.id } : {}) };
  }
  const spec = readSpecFile(options.spec!);
  const repository = env.GITHUB_REPOSITORY?.split('/');
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repo = repository?.length === 2 ? { owner: repository[0]!, name: repository[1]! } : undefined;
  return {
    event: options.event,
    ...(options.id ? { id: options.id } : {}),
    timestamp: new Date().toISOString(),
    spec,
    ...(options.pr
      ? {
          pr: {
            number: options.pr,
            ...(repo ? { url: `${server}/${repo.owner}/${repo.name}/pull/${options.pr}` } : {}),
          },
        }
      : {}),
    ...(repo ? { repository: repo } : {}),
    ...(options.branch ? { branch: options.branch } : {}),
    ...(options.error ? { error: options.error } : {}),
    ...(options.logsUrl ? { logs_url: options.logsUrl } : {}),
  };
}

export function registerNotify(program: Command, context: CliContext): void {
  program
    .command('notify')
    .description(
      'send an event through the pipeline (queued), or straight to every destination with --direct',
    )
    .requiredOption('-c, --config <file>', 'config file (specs.config.yaml)')
    .requiredOption('-e, --event <name>', 'event name, e.g. implementation_failed')
    .option('--spec <file>', 'spec YAML file: id, title and status are read from it')
    .option('--payload <file>', 'a JSON payload in the webhook payload format')
    .option('--pr <number>', 'pull request number', positiveInt)
    .option('--branch <name>', 'branch the work is on')
    .option('--error <text>', 'error text for failure events')
    .option('--logs-url <url>', 'link to the logs')
    .option('--id <id>', 'event id; sending the same id again within 24 h is a no-op')
    .option('--direct', 'deliver now from this process without Redis (fallback when the queue is down)')
    .action(async (options: NotifyOptions) => {
      if (!isEventName(options.event)) {
        context.err(`--event: unknown event "${options.event}" (${unknownEventHint(options.event)})`);
        throw new ExitError(EXIT_CONFIG);
      }
      if (Boolean(options.spec) === Boolean(options.payload)) {
        context.err('give exactly one of --spec FILE or --payload FILE');
        throw new ExitError(EXIT_CONFIG);
      }
      const loaded = loadOrExit(options.config, context);
      const { config } = loaded;
      const parsed = EventPayload.safeParse(payloadFromOptions(options, context.env), {
        error: readableIssue,
      });
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          context.err(`payload ${formatPath(issue.path)}: ${issue.message}`);
        throw new ExitError(EXIT_CONFIG);
      }
      const { logger } = loggerFor(loaded, 2, 'warn');

      if (options.direct) {
        const app = await assemble(loaded, { role: 'direct', logger });
        try {
          const { event, outcomes } = await deliverDirect(parsed.data, app.registry, {
            backoffBaseMs: config.queue.backoff_base_ms,
            backoffMaxMs: config.queue.backoff_max_ms,
          });
          context.out(`event ${event.id} (${event.payload.event}): ${outcomes.length} destination(s)`);
          for (const o of outcomes) {
            context.out(
              `  ${o.ok ? '✔' : '✘'} ${o.destination}: ${o.summary}${o.ok ? '' : ` (after ${o.attempts} attempt(s))`}`,
            );
          }
          if (outcomes.some((o) => !o.ok)) throw new ExitError(EXIT_FAILED);
        } finally {
          await app.close();
        }
        return;
      }

      try {
        const app = await assemble(loaded, { role: 'producer', logger });
        try {
          const accepted = await app.ingestor.accept(parsed.data);
          context.out(
            `${accepted.duplicate ? 'already queued' : 'queued'} event ${accepted.id} (${parsed.data.event})`,
          );
        } finally {
          await app.close();
        }
      } catch (error) {
        if (error instanceof QueueUnavailableError) {
          logger.debug({ err: error.cause }, 'queue unavailable');
          context.err(
            `the queue is unavailable (${error.message}); run again with --direct to deliver without Redis`,
          );
          throw new ExitError(EXIT_FAILED);
        }
        throw error;
      }
    });
}
