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

export const EXIT_FAILED = 1;
export const EXIT_CONFIG = 2;

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

export function loggerFor(
  loaded: LoadedConfig,
  destinationFd: 1 | 2,
  level?: string,
): { logger: Logger; redactor: Redactor } {
  const redactor = new Redactor(loaded.secrets);
  const logger = createLogger({ level: level ?? loaded.config.logging.level, redactor, destinationFd });
  return { logger, redactor };
}
