import { createHash } from 'node:crypto';
import type { HealthResult } from '../connector.js';

/** The trackers the ticket commands can name; `ms_project` is synced from spec events only. */
export const TICKET_SYSTEMS = ['jira', 'github', 'linear', 'azure', 'ms_project'] as const;
export type TicketSystem = (typeof TICKET_SYSTEMS)[number];

/** A ticket as the tracker reports it: what a chat card shows. */
export interface TicketRef {
  /** The tracker's own key: `PROJ-12`, `org/repo#34`, `ENG-5`, `1201`. */
  key: string;
  url?: string;
  /** The tracker's status name, e.g. "In Progress". */
  status: string;
  title?: string;
  /**
   * The tracker counts the ticket finished (Jira's done category, a completed or canceled Linear
   * state, a closed GitHub issue): the status poll stops reading it. Absent where not known.
   */
  done?: boolean;
}

export interface NewTicket {
  title: string;
  /** The spec the ticket stands for: set on the ticket so that findBySpec finds it again. */
  specId?: string;
  description?: string;
  acceptanceCriteria?: readonly string[];
}

/**
 * Where a spec has got to, in the words of the spec lifecycle. Each tracker maps these onto its
 * own workflow (Jira transition ids, Linear state names, GitHub Projects status options …).
 */
export type SpecStage = 'approved' | 'implemented';

export interface PullRequestLink {
  url: string;
  number: number;
  title?: string;
}

/**
 * One issue tracker, as the ticketing core and the ticket commands use it. Every method maps
 * the provider's answers onto our error kinds (AuthError naming the secret to check, NotFound,
 * Validation, RateLimited with the provider's wait, Transient) and never puts a secret in an error.
 */
export interface TicketTracker {
  readonly system: TicketSystem;
  /** Whether `key` has this tracker's shape (`PROJ-12` for a Jira project PROJ). */
  recognises(key: string): boolean;
  create(ticket: NewTicket): Promise<TicketRef>;
  /** The ticket that carries this spec id, if the tracker has one (the crash-safe half of idempotent create). */
  findBySpec(specId: string): Promise<TicketRef | undefined>;
  get(key: string): Promise<TicketRef>;
  /**
   * Adds a comment. `marker` (see commentMarker) is embedded where the tracker's format hides it
   * or shows it small, so that hasComment finds this comment again after a lost answer.
   */
  comment(key: string, text: string, marker?: string): Promise<void>;
  /**
   * Whether one of the ticket's recent comments carries `marker`: the retry half of an
   * idempotent comment. A tracker without it is guarded by the stored record only.
   */
  hasComment?(key: string, marker: string): Promise<boolean>;
  /**
   * Moves the ticket to the configured state for `stage`; `undefined` when none is configured.
   * `reachedBefore` is the status this stage led to the last time: a ticket still in it is left alone.
   */
  transition(key: string, stage: SpecStage, reachedBefore?: string): Promise<TicketRef | undefined>;
  /** Adds the pull request as a link; adding the same one again changes nothing. */
  linkPullRequest(key: string, pr: PullRequestLink): Promise<void>;
  /** Moves the ticket to a done state; a ticket already done stays as it is. */
  close(key: string): Promise<TicketRef>;
  check(): Promise<HealthResult>;
  /**
   * The tracker account Threadline acts as, where the tracker's webhooks name the actor: a change
   * made by it is one of our own calls coming back, never echoed to chat.
   */
  ownActor?(): Promise<string>;
}

const SAFE_MARKER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * The marker a delivery's comment carries: `threadline:<delivery id>`. An id that could break
 * the markup it sits in (an HTML comment may not hold `--`; spaces, quotes or brackets end or
 * open markup) is hashed to a stable, plain form instead.
 */
export function commentMarker(deliveryId: string): string {
  const safe =
    SAFE_MARKER_ID.test(deliveryId) && !deliveryId.includes('--')
      ? deliveryId
      : `h-${createHash('sha256').update(deliveryId).digest('hex').slice(0, 32)}`;
  return `threadline:${safe}`;
}

/** The marker as an HTML comment, for trackers whose comments are Markdown or HTML. */
export function htmlCommentMarker(marker: string): string {
  return `<!-- ${marker} -->`;
}

/** Whether a comment's text holds `marker` as a whole (not `threadline:a.jira` inside `threadline:a.jira2`). */
export function carriesMarker(text: string, marker: string): boolean {
  let at = text.indexOf(marker);
  while (at >= 0) {
    const next = text.charAt(at + marker.length);
    if (!/[A-Za-z0-9_.:-]/.test(next)) return true;
    at = text.indexOf(marker, at + 1);
  }
  return false;
}
