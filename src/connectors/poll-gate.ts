import { AuthError, errorMessage, RateLimitedError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';

/** After a provider refused a status read (401/403), the next try waits this long: one request, not a loop. */
export const AUTH_RETRY_MS = 15 * 60_000;

/** What a status poll keeps between ticks, whichever provider (a pager, a tracker) it reads. */
export interface PollGateRecord {
  outcome?: string;
  /** Epoch ms of the last verified webhook, of the first refused read, until when to wait. */
  webhookSeenAt?: number;
  authFailedAt?: number;
  retryAt?: number;
}

export interface PollSubject {
  /** How log lines name the provider (`pagerduty`, `jira`). */
  name: string;
  /** The log fields naming it (`{ pager: name }`, `{ tracker: name }`). */
  fields: Record<string, string>;
  logger: Logger | undefined;
}

/**
 * Why this tick reads nothing: the provider's verified webhooks arrive (younger than
 * `resumeAfterMs`), a rate limit's wait, or a refused read's retry wait; undefined when it may
 * read. A pause and its end are each logged once.
 */
export function pollGate(
  record: PollGateRecord,
  now: number,
  resumeAfterMs: number,
  subject: PollSubject,
): 'paused' | 'rate_limited' | 'auth_failed' | undefined {
  const { name, fields, logger } = subject;
  if (record.webhookSeenAt !== undefined && now - record.webhookSeenAt < resumeAfterMs) {
    if (record.outcome !== 'paused') logger?.info(fields, `${name} webhooks arrive: status polling paused`);
    return 'paused';
  }
  if (record.outcome === 'paused')
    logger?.info(fields, `no ${name} webhook for a while: status polling resumed`);
  if (record.retryAt !== undefined && now < record.retryAt) return 'rate_limited';
  if (record.authFailedAt !== undefined && now - record.authFailedAt < AUTH_RETRY_MS) return 'auth_failed';
  return undefined;
}

/**
 * A status read that failed: a rate limit waits its Retry-After, a refused read warns once naming
 * `credentials` and waits AUTH_RETRY_MS, anything else warns once per outage.
 */
export async function pollFailure(
  error: unknown,
  subject: PollSubject,
  context: {
    lastOutcome: string | undefined;
    now: number;
    credentials: string;
    rateLimitedUntil: (until: number) => Promise<void>;
    /** Records the refusal; true for the first of an outage (the one that is logged). */
    authFailed: (at: number) => Promise<boolean>;
  },
): Promise<'rate_limited' | 'auth_failed' | 'failed'> {
  const { name, fields, logger } = subject;
  if (error instanceof RateLimitedError) {
    await context.rateLimitedUntil(context.now + error.retryAfterMs);
    logger?.warn(
      { ...fields, retryAfterMs: error.retryAfterMs },
      `${name} rate limits status polling: next read after the wait`,
    );
    return 'rate_limited';
  }
  if (error instanceof AuthError) {
    if (await context.authFailed(context.now))
      logger?.warn(
        { ...fields, err: errorMessage(error) },
        `${name} refused a status read: check ${context.credentials}; polling tries again in ${AUTH_RETRY_MS / 60_000} min`,
      );
    return 'auth_failed';
  }
  // One line per outage: the next failing ticks stay quiet until a tick gets through.
  if (context.lastOutcome !== 'failed')
    logger?.warn(
      { ...fields, err: errorMessage(error) },
      `${name} status poll failed; trying again next tick`,
    );
  return 'failed';
}
