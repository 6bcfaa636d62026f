import { Writable } from 'node:stream';
import type { LoadedConfig } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { Redactor } from '../../src/observability/redact.js';

/** A real pino logger writing into memory, so tests can read exactly what would be logged. */
export function capturingLogger(loaded: LoadedConfig): {
  logger: Logger;
  lines: string[];
  text: () => string;
} {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', redactor: new Redactor(loaded.secrets), destination });
  return { logger, lines, text: () => lines.join('\n') };
}
