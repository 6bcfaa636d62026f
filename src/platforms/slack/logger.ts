import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';

const PINO_TO_SLACK: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
};

/**
 * The Slack libraries' logs (Bolt, Socket Mode, WebClient) through our redacting logger, instead
 * of their own console logger. Without a logger they are dropped: a caller that has none (a
 * notification connector) reports every failure through the error it throws.
 */
export function slackLogger(logger: Logger | undefined, component: string): SlackLogger {
  const child = logger?.child({ component });
  const write = (level: 'debug' | 'info' | 'warn' | 'error', parts: unknown[]) => {
    // WebClient and Bolt log several debug lines per call: nothing is built for a level that is off.
    if (!child?.isLevelEnabled(level)) return;
    const err = parts.find((p) => p instanceof Error);
    const text = parts
      .filter((p) => p !== err)
      .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
      .join(' ');
    if (err) child[level]({ err }, text);
    else child[level](text);
  };
  return {
    debug: (...parts: unknown[]) => write('debug', parts),
    info: (...parts: unknown[]) => write('info', parts),
    warn: (...parts: unknown[]) => write('warn', parts),
    error: (...parts: unknown[]) => write('error', parts),
    setLevel: () => {},
    getLevel: () => (logger ? (PINO_TO_SLACK[logger.level] ?? LogLevel.ERROR) : LogLevel.ERROR),
    setName: () => {},
  };
}
