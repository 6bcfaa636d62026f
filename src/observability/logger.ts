import { type DestinationStream, type Logger, pino } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger } from 'pino';

/**
 * JSON logs through pino. Every object and message passes the redactor first, so a secret that
 * reaches a log call (inside an error message, a header, a nested payload) is never written.
 */
export function createLogger(options: {
  level: string;
  redactor: Redactor;
  name?: string;
  /** 1 for services (stdout), 2 for CLI commands whose stdout is their answer. */
  destinationFd?: 1 | 2;
  destination?: DestinationStream;
}): Logger {
  const { redactor } = options;
  return pino(
    {
      name: options.name ?? 'threadline',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => redactor.value(arg));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      serializers: { err: (error: unknown) => redactor.value(error) },
    },
    options.destination ??
      pino.destination({ dest: options.destinationFd ?? 1, sync: options.destinationFd === 2 }),
  );
}
