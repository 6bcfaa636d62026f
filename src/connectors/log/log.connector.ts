import { eventHeadline, eventSubject, notificationCard } from '../../../cards/notification.js';
import { TransientError } from '../../core/errors.js';
import type { EventName } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import type { Connector, DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { logLine } from './render.js';
import type { LogIntegrationConfig } from './schema.js';

/** Where the lines go: the process's stderr, or any stream a test hands in. */
export interface LineOutput {
  /** Shown in check() and in receipts, e.g. "stderr". */
  readonly name: string;
  readonly stream: Pick<NodeJS.WritableStream, 'write' | 'writable'>;
}

/**
 * Writes each notification as one readable line. It is the destination the quick start turns on,
 * so a signed event visibly arrives somewhere without any account at a provider. Not human-facing
 * in the rate limit's sense: a local line disturbs nobody, and holding it back would hide events.
 */
export class LogConnector implements Connector {
  readonly key = 'log';
  readonly integration = 'log';
  readonly humanFacing = false;

  constructor(
    private readonly block: LogIntegrationConfig,
    private readonly output: LineOutput,
    readonly retryCount: number,
    readonly timeoutMs: number,
  ) {}

  accepts(event: EventName): boolean {
    return this.block.events.includes(event);
  }

  async deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    const line = logLine(notificationCard(event), context.deliveryId, new Date());
    await this.write(`${line}\n`);
    return { summary: `written to ${this.output.name}: ${eventHeadline(event)} ${eventSubject(event)}` };
  }

  async check(): Promise<HealthResult> {
    if (!this.output.stream.writable)
      return { ok: false, detail: `${this.output.name} is closed: notification lines cannot be written` };
    const events = this.block.events.length;
    return {
      ok: true,
      detail: `writes one line per notification to ${this.output.name} (${events} event${events === 1 ? '' : 's'})`,
    };
  }

  private write(text: string): Promise<void> {
    const { name, stream } = this.output;
    if (!stream.writable) return Promise.reject(new TransientError(`${name} is closed`));
    return new Promise((resolve, reject) => {
      stream.write(text, (error?: Error | null) => {
        if (error) reject(new TransientError(`writing to ${name} failed: ${error.message}`));
        else resolve();
      });
    });
  }
}
