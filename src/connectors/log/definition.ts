import { defineConnector } from '../definition.js';
import { LogConnector } from './log.connector.js';
import { LogIntegration } from './schema.js';

/**
 * Notifications as lines on stderr: stdout carries `serve`'s JSON logs and the answers of CLI
 * commands, which scripts and log shippers parse, so a plain line there would break them.
 */
export const logConnector = defineConnector({
  name: 'log',
  schema: LogIntegration,
  environment: {},
  create(block, context) {
    const output = { name: 'stderr', stream: process.stderr };
    return [new LogConnector(block, output, context.queue.retry_count, context.queue.request_timeout_ms)];
  },
});
