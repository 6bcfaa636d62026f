import type { z } from 'zod';
import type { Card } from './card.js';
import type { ChatUser, ReplyTo } from './chat.js';

/** Roles a command can require; members come from `rbac.roles` in the config. */
export const ROLES = ['viewer', 'responder', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface CommandContext<S> {
  invoker: ChatUser;
  replyTo: ReplyTo;
  /** Stable per request: a retried job passes the same key, so side effects happen once. */
  idempotencyKey: string;
  /** What the handler may use; the command list binds it (commands/services.ts). */
  services: S;
}

export interface CommandResult {
  card: Card;
  /**
   * Where the card goes: only to the person who asked, into the thread of a subject (an
   * incident id, a spec id, a ticket key), or as a reply where the command was typed.
   */
  visibility: 'ephemeral' | 'subject' | 'reply';
  subject?: string;
  /** The subject thread's parent card, replaced in place on every platform that shows it. */
  parent?: Card;
  /**
   * The card is also a copy of another subject's card (a spec's ticket, shown in the spec's
   * thread): replacing that subject's card replaces this reply too.
   */
  copyOf?: string;
}

/** The declarative part of a command: what the platforms, manifests and help render from. */
export interface CommandSpec {
  /** One or two words: `help`, `ticket create`. */
  readonly name: string;
  readonly summary: string;
  /** Shown on a usage error, e.g. `page <service> <summary> [--severity critical|error|warning|info]`. */
  readonly usage: string;
  /** Positional argument names in order; the last one takes the remaining words when `rest` is set. */
  readonly positionals: readonly string[];
  readonly rest?: boolean;
  readonly args: z.ZodObject;
  readonly role: Role;
  /** `immediate` commands answer inside the platform's 3 s window; `queued` ones run in a worker. */
  readonly mode: 'immediate' | 'queued';
  /**
   * The card button this command answers: pressing `actionId` runs the command with the button's
   * value as `argument`, with the same permission check and effects as typing it.
   */
  readonly button?: { readonly actionId: string; readonly argument: string };
}

export interface CommandDefinition<A, S> extends CommandSpec {
  readonly args: z.ZodObject & z.ZodType<A>;
  /** The ephemeral "⏳ …" acknowledgement of a queued command. */
  readonly pending?: (args: A) => string;
  run(args: A, context: CommandContext<S>): Promise<CommandResult>;
}
