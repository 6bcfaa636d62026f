import type { ConnectorRegistry } from '../src/connectors/registry.js';
import type { ChatUser, ConversationRef } from '../src/core/chat.js';
import type { EventPayload } from '../src/core/payload.js';
import type { IncidentStore } from '../src/workflows/incidents.js';
import type { OnCallSchedules } from '../src/workflows/oncall.js';
import type { ReadinessExceptions } from '../src/workflows/readiness.js';
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

/** What an incident asks of its pagers; `escalate` re-triggers (PagerDuty) or adds a note (Opsgenie). */
export type PagerStep = 'trigger' | 'acknowledge' | 'resolve' | 'escalate';

/**
 * The incident workflow's side of the Pager seam: every enabled pager gets each step of an
 * incident once, in order (trigger before acknowledge before resolve), whatever retries happen.
 */
export interface IncidentPaging {
  /** Queues the step for every enabled pager; asking again for the same step adds nothing. Returns the pagers asked. */
  request(incidentId: string, step: PagerStep, actor?: { by?: string }): Promise<string[]>;
}

/** Readiness exceptions and who owns them; present when the config has a `readiness:` block. */
export interface ReadinessService {
  exceptions: ReadinessExceptions;
  /** Refuses anyone who does not own readiness exceptions, with an audit entry and a message. */
  requireOwner(user: ChatUser, action: string, exceptionId: string): Promise<void>;
}

/** What command handlers may use. Everything behind it is real: Redis stores, the event pipeline. */
export interface CommandServices {
  incidents: IncidentStore;
  waivers: WaiverStore;
  /** Calls the enabled pagers (PagerDuty, Opsgenie) for an incident's steps. */
  paging: IncidentPaging;
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
  readiness?: ReadinessService;
  /** Puts an incident's live card in the configured incident channels (`incidents.channels`). */
  incidentChannels?: IncidentChannelPosting;
}

export interface IncidentChannelPosting {
  /**
   * Queues the card for every incident channel but `from`, with `line` under it; asking again
   * adds nothing. Returns the channels, e.g. `slack C0INCIDENTS`.
   */
  show(incidentId: string, from: ConversationRef, line: string): Promise<string[]>;
}
