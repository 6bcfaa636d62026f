/**
 * One base error with a stable `code`; subclasses name the kind of failure, never the vendor.
 * Boundary mappers (HTTP client, SMTP, Redis) turn whatever they catch into one of these and
 * drop tokens and headers on the way, so a message is always safe to log or show.
 */
export abstract class ThreadlineError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Shown to the person who asked, as an ephemeral reply or a CLI message. */
export class UserFacingError extends ThreadlineError {
  readonly code = 'user_facing';
}

/** The provider asked us to slow down; retry after `retryAfterMs` without counting an attempt. */
export class RateLimitedError extends ThreadlineError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** Credentials were refused. Retrying cannot help; someone must fix a secret. */
export class AuthError extends ThreadlineError {
  readonly code = 'auth';
}

export class NotFoundError extends ThreadlineError {
  readonly code = 'not_found';
}

/** The request or its data is wrong; retrying the same thing fails the same way. */
export class ValidationError extends ThreadlineError {
  readonly code: string = 'validation';
}

/** An outbound destination that the SSRF guard refuses (private address, bad scheme, redirect). */
export class BlockedDestinationError extends ValidationError {
  override readonly code = 'blocked_destination';
}

/** Worth retrying: timeouts, resets, 5xx, a provider that is briefly down. */
export class TransientError extends ThreadlineError {
  readonly code = 'transient';
}

/** Redis (or the queue on it) cannot take work right now. */
export class QueueUnavailableError extends ThreadlineError {
  readonly code = 'queue_unavailable';
}

/** The HTTP port is already taken by another process. */
export class PortInUseError extends ThreadlineError {
  readonly code = 'port_in_use';
  constructor(
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(`port ${port} is in use (set --port or PORT)`, options);
  }
}

export interface ConfigProblem {
  /** Dotted key path, e.g. `integrations.webhooks.endpoints[0].url`. */
  path: string;
  message: string;
  hint?: string;
}

export class ConfigError extends ThreadlineError {
  readonly code = 'config';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatConfigProblem).join('\n'));
  }
}

export function formatConfigProblem(problem: ConfigProblem): string {
  const where = problem.path === '' ? '(root)' : problem.path;
  return `${where}: ${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`;
}

/** True when retrying the same operation can never succeed. */
export function isPermanent(error: unknown): boolean {
  return error instanceof AuthError || error instanceof NotFoundError || error instanceof ValidationError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
