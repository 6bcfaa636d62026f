import { constants } from 'node:os';
import { pino } from 'pino';
import type { Env } from '../config/interpolate.js';
import { type LoadedConfig, loadConfigFile } from '../config/load.js';
import { ConfigError, formatConfigProblem } from '../core/errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Redactor } from '../observability/redact.js';

/** What every CLI command gets from the composition root: the environment and where to write. */
export interface CliContext {
  env: Env;
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * Exit codes of every command (the --help text and docs/operations.md list them): 0 done,
 * 1 failed (Redis unreachable, a delivery or chat command failed), 2 invalid config or usage,
 * 3 the HTTP port is in use, 128 + n when a second signal n ended `serve` at once.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_CONFIG = 2;
export const EXIT_PORT_IN_USE = 3;

export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    failed: Redis unreachable, a delivery or chat command failed, unknown dead letter
  2    invalid config, payload or usage (also an unknown chat command in chat --command)
  3    serve: the HTTP port is in use
  130  serve: a SIGINT while starting, or a second one during the shutdown (143 for SIGTERM)`;

/** Thrown to end a command with an exit code after its output has been written. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function loadOrExit(file: string, context: CliContext): LoadedConfig {
  try {
    return loadConfigFile(file, context.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      context.err(`${file}: ${error.problems.length} problem(s):`);
      for (const problem of error.problems) context.err(`  ${formatConfigProblem(problem)}`);
      throw new ExitError(EXIT_CONFIG);
    }
    throw error;
  }
}

/** A logger to stdout (1), stderr (2) or appended to a file. */
export function loggerFor(
  loaded: LoadedConfig,
  destination: 1 | 2 | { file: string },
  level?: string,
): { logger: Logger; redactor: Redactor } {
  const redactor = new Redactor(loaded.secrets);
  const logger = createLogger({
    level: level ?? loaded.config.logging.level,
    redactor,
    ...(typeof destination === 'number'
      ? { destinationFd: destination }
      : { destination: pino.destination({ dest: destination.file, mkdir: true, sync: true }) }),
  });
  return { logger, redactor };
}
