import type { EventName } from '../core/events.js';
import type { StoredEvent } from '../core/payload.js';

export interface DeliveryContext {
  /** Stable across every attempt and replay of one delivery; receivers dedupe on it. */
  deliveryId: string;
  /** 1 for the first try. */
  attempt: number;
}

export interface DeliveryReceipt {
  /** Provider-side id when there is one (message ts, e-mail message id …). */
  reference?: string;
  /** Short human summary for the CLI and logs, never containing secrets. */
  summary: string;
}

export interface HealthResult {
  ok: boolean;
  detail: string;
}

/**
 * One external destination built from validated config. `key` identifies it in queues, job
 * ids, metrics and dead letters: the integration name, or `webhooks.<endpoint>` for endpoints.
 */
export interface Connector {
  readonly key: string;
  /** The `integrations.<name>` block it was built from. */
  readonly integration: string;
  /** Attempts after the first before the delivery becomes a dead letter. */
  readonly retryCount: number;
  readonly timeoutMs: number;
  /** Human-facing notifications obey notifications.rate_limit and can be sent as a digest. */
  readonly humanFacing: boolean;
  accepts(event: EventName): boolean;
  deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt>;
  /** One message summarising events held back by the rate limit (human-facing connectors). */
  deliverDigest?(events: readonly StoredEvent[], context: DeliveryContext): Promise<DeliveryReceipt>;
  /** Configuration sanity without sending anything. */
  check(): Promise<HealthResult>;
  /** Releases pooled resources (SMTP pools …) at shutdown. */
  close?(): Promise<void>;
}
