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
  comment(key: string, text: string): Promise<void>;
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
