/** Discord's embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  /** Ids in allowed_mentions.users (message resource, allowed mentions object). */
  allowedMentionUsers: 100,
} as const;

/**
 * Discord's limits for what Threadline sends and registers beyond the embed limits above, which
 * the embed renderer (render.ts) applies; these are the interaction-side ones.
 * Sources: discord.com/developers/docs (components reference, application commands, interactions).
 */
export const COMPONENT_LIMITS = {
  /** Action rows per message. */
  rows: 5,
  /** Buttons per action row. */
  buttonsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
} as const;

export const COMMAND_LIMITS = {
  name: 32,
  description: 100,
  /** Options per command, per subcommand group and per subcommand. */
  options: 25,
  choices: 25,
  choiceName: 100,
  stringLength: 6000,
  /** name + description + every option's name, description and choices, per command. */
  totalCharacters: 8000,
} as const;

/** Lowercase command and option names (Discord's CHAT_INPUT naming rule, restricted to ASCII here). */
export const COMMAND_NAME = /^[-_a-z0-9]{1,32}$/;

/** Discord wants the initial response within 3 s; we answer or defer before that. */
export const INITIAL_RESPONSE_BUDGET_MS = 2_500;

/** An interaction token answers follow-ups and @original edits for 15 minutes. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;

/**
 * Results stop going through the token this long before it expires: the lifetime counts from
 * Discord's creation of the interaction, not from our receipt, processes' clocks differ a little,
 * and a request may still wait out a 429 or a retry after the check.
 */
export const INTERACTION_TOKEN_MARGIN_MS = 2 * 60_000;

/** X-Signature-Timestamp older or newer than this is refused as a possible replay. */
export const SIGNATURE_MAX_AGE_SECONDS = 5 * 60;
