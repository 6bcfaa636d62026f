import type { ConnectorRegistry } from '../src/connectors/registry.js';
import type { EventPayload } from '../src/core/payload.js';
import type { IncidentStore } from '../src/workflows/incidents.js';
import type { OnCallSchedules } from '../src/workflows/oncall.js';
import type { WaiverStore } from '../src/workflows/waivers.js';
import type { AnyCommand } from './define.js';

export interface QueueHealth {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface RunbookLink {
  url: string;
  title?: string;
}

/** What command handlers may use. Everything behind it is real: Redis stores, the event pipeline. */
export interface CommandServices {
  incidents: IncidentStore;
  waivers: WaiverStore;
  /** Sends an event through the pipeline (routing, rate limits, webhooks …); returns its id. */
  emit(payload: EventPayload): Promise<string>;
  connectors: ConnectorRegistry;
  queueHealth(): Promise<QueueHealth[]>;
  runbooks: Readonly<Record<string, RunbookLink>>;
  commands(): readonly AnyCommand[];
  /** Names of the integrations enabled in the config, delivered or not. */
  enabledIntegrations: readonly string[];
  /** The slash command's name without the slash, e.g. `ops`. */
  commandName: string;
  /** The on-call schedules of `oncall.schedules` (static rotations and ICS feeds). */
  oncall?: OnCallSchedules;
}
