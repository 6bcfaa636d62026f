import type { ConnectorRegistry } from '../connectors/registry.js';
import { errorMessage, isPermanent, RateLimitedError } from '../core/errors.js';
import type { EventPayload, StoredEvent } from '../core/payload.js';
import { jitteredBackoff } from '../queue/backoff.js';
import { deliveryIdFor } from '../queue/jobs.js';
import { eventIdFor } from './ingest.js';

export interface DirectOutcome {
  destination: string;
  ok: boolean;
  attempts: number;
  summary: string;
}

export interface DirectOptions {
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A provider's Retry-After longer than this ends the attempt instead of blocking the CLI. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Delivers an event in this process, without Redis: the fallback when the queue is down. Same
 * connectors, same retry rules as the workers; the rate limit (which lives in Redis) is not
 * applied. Destinations run in parallel so one slow provider does not hold up the others.
 */
export async function deliverDirect(
  payload: EventPayload,
  registry: ConnectorRegistry,
  options: DirectOptions,
): Promise<{ event: StoredEvent; outcomes: DirectOutcome[] }> {
  const id = eventIdFor(payload, undefined);
  const event: StoredEvent = {
    id,
    receivedAt: Date.now(),
    payload: { ...payload, id, timestamp: payload.timestamp ?? new Date().toISOString() },
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxWaitMs = options.maxWaitMs ?? 60_000;

  const outcomes = await Promise.all(
    registry.route(payload.event).map(async (connector): Promise<DirectOutcome> => {
      const deliveryId = deliveryIdFor(id, connector.key);
      const attemptsAllowed = connector.retryCount + 1;
      let attempt = 0;
      let deferrals = 0;
      let lastError = 'not attempted';
      while (attempt < attemptsAllowed) {
        attempt++;
        try {
          const receipt = await connector.deliver(event, { deliveryId, attempt });
          return { destination: connector.key, ok: true, attempts: attempt, summary: receipt.summary };
        } catch (error) {
          lastError = errorMessage(error);
          if (isPermanent(error)) break;
          if (attempt >= attemptsAllowed) break;
          if (error instanceof RateLimitedError) {
            if (error.retryAfterMs > maxWaitMs || ++deferrals > 10) break;
            attempt--; // a rate limit is not a failed attempt
            await sleep(error.retryAfterMs);
          } else {
            await sleep(jitteredBackoff(attempt, options.backoffBaseMs, options.backoffMaxMs));
          }
        }
      }
      return { destination: connector.key, ok: false, attempts: attempt, summary: lastError };
    }),
  );
  return { event, outcomes };
}
