import type { Card } from './card.js';

/**
 * Neutral chat types. Command handlers and workflows only ever see these; each platform
 * adapter turns its own payloads into them and back.
 */
export const PLATFORM_NAMES = ['slack', 'teams', 'discord', 'console'] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];

export interface ChatUser {
  platform: PlatformName;
  /** Slack user id, Teams AAD object id, Discord user id, console user name. */
  id: string;
  name?: string;
  /** Discord role ids of the member in the guild; empty elsewhere. */
  roleIds?: string[];
}

/** A place messages go: a channel, a conversation, optionally a thread in it. */
export interface ConversationRef {
  platform: PlatformName;
  /** Slack team id, Teams tenant id, Discord guild id, or "console". */
  workspace: string;
  conversation: string;
  thread?: string;
  /** Teams: the Bot Framework service URL of the conversation. */
  serviceUrl?: string;
}

/** Where a command's result goes and who asked; every job carries one. */
export interface ReplyTo extends ConversationRef {
  user: ChatUser;
  /** Slack response_url or Discord interaction token: short-lived ways to answer the user. */
  responseToken?: string;
  /** When `responseToken` stops being usable (ms since the epoch, safety margin included); unset = unknown. */
  responseTokenExpiresAt?: number;
  /**
   * Discord: the channel or thread the interaction came from, the only place where its token's
   * public follow-ups land. `thread` may point elsewhere (a button's card thread).
   */
  responseChannel?: string;
}

/** A message we posted and may update in place. */
export interface MessageRef {
  platform: PlatformName;
  workspace: string;
  conversation: string;
  /** Slack ts, Discord message id, Teams activity id, console sequence number. */
  id: string;
  thread?: string;
  serviceUrl?: string;
}

export interface CommandRequest {
  /** Idempotency: the platform's id for this request (trigger id, interaction id, activity id). */
  id: string;
  /** The text after the command name, e.g. `page payments "checkout 500s"`. */
  text: string;
  replyTo: ReplyTo;
}

export interface ActionRequest {
  id: string;
  /** The button's action id, e.g. `incident.ack`. Its `value` is untrusted input. */
  actionId: string;
  value: string;
  replyTo: ReplyTo;
  /** The message carrying the button, to update in place. */
  message?: MessageRef;
}

export function userKey(user: ChatUser): string {
  return `${user.platform}:${user.id}`;
}

/** The immediate answer a platform sends back inside its 3-second window. */
export interface Acknowledgement {
  card: Card;
  /** `reply` cards may be shown to the whole conversation; `ephemeral` ones only to the user. */
  visibility: 'ephemeral' | 'reply';
  /** True when the request was a repeat of one already handled (nothing new was done). */
  duplicate?: boolean;
  /** For a queued command: the action job, so a caller (the console) can wait for it. */
  job?: { queue: string; id: string };
}

/** Where a platform's inbound half hands what users typed and pressed (the chat router). */
export interface ChatIngress {
  handleCommand(request: CommandRequest): Promise<Acknowledgement>;
  handleAction(request: ActionRequest): Promise<Acknowledgement>;
}
