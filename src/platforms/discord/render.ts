import { ButtonStyle, ComponentType, type MessageFlags } from 'discord-api-types/v10';
import { LINK_LOGS, LINK_VIEW_PR, LOGS_CAPTION } from '../../../cards/notification.js';
import type { Card, CardAction, CardPerson, CardSeverity } from '../../core/card.js';
import { escapeDiscord, fitEscaped, safeLinkUrl, truncate } from '../../security/escape.js';
import { COMPONENT_LIMITS, DISCORD_LIMITS } from './limits.js';

export const DISCORD_COLORS: Record<CardSeverity, number> = {
  success: 0x2eb67d,
  failure: 0xe01e5a,
  warning: 0xecb22e,
  info: 0x36c5f0,
  started: 0x36c5f0,
};

export interface DiscordEmbedField {
  name: string;
  value: string;
  inline: boolean;
}

export interface DiscordEmbed {
  title: string;
  description?: string;
  url?: string;
  color: number;
  fields: DiscordEmbedField[];
  footer?: { text: string };
  timestamp?: string;
}

export interface DiscordMessage {
  username?: string;
  avatar_url?: string;
  content: string;
  embeds: DiscordEmbed[];
  /** Never ping anyone, whatever the text says: the server-side guard behind our escaping. */
  allowed_mentions: { parse: [] };
}

export interface DiscordRenderOptions {
  username?: string;
  avatarUrl?: string;
  /** Short line shown above the embed and in push notifications. */
  content: string;
  timestamp?: string;
}

function discordLink(caption: string, url: string): string | undefined {
  const safe = safeLinkUrl(url);
  return safe ? `[${escapeDiscord(caption)}](${safe})` : undefined;
}

/** An embed field with the raw text it came from, so it can be cut again from the source. */
interface DraftField {
  field: DiscordEmbedField;
  raw?: string;
}

export function renderDiscord(card: Card, options: DiscordRenderOptions): DiscordMessage {
  const drafts: DraftField[] = card.fields.map((f) => ({
    field: {
      name: fitEscaped(f.label, DISCORD_LIMITS.fieldName, escapeDiscord),
      value: fitEscaped(f.value, DISCORD_LIMITS.fieldValue, escapeDiscord) || '—',
      inline: f.inline !== false,
    },
    raw: f.value,
  }));
  const logs = card.links.find((l) => l.label === LINK_LOGS);
  const logsLink = logs ? joinFitting([discordLink(LOGS_CAPTION, logs.url)]) : '';
  if (logsLink !== '') drafts.push({ field: { name: LINK_LOGS, value: logsLink, inline: false } });
  const others = joinFitting(card.links.filter((l) => l !== logs).map((l) => discordLink(l.label, l.url)));
  if (others !== '') drafts.push({ field: { name: 'Links', value: others, inline: false } });
  const kept = capFields(drafts);

  const embed: DiscordEmbed = {
    title: fitEscaped(card.title, DISCORD_LIMITS.title, escapeDiscord),
    color: DISCORD_COLORS[card.severity],
    fields: kept.map((d) => d.field),
  };
  if (card.text) embed.description = fitEscaped(card.text, DISCORD_LIMITS.description, escapeDiscord);
  const titleLink = card.links.find((l) => l.label === LINK_VIEW_PR) ?? card.links[0];
  const url = titleLink ? safeLinkUrl(titleLink.url) : undefined;
  if (url) embed.url = url;
  if (card.footer) embed.footer = { text: fitEscaped(card.footer, DISCORD_LIMITS.footer, escapeDiscord) };
  if (options.timestamp) embed.timestamp = options.timestamp;
  fitEmbedTotal(embed, card.text, kept);

  const message: DiscordMessage = {
    content: fitEscaped(options.content, DISCORD_LIMITS.content, escapeDiscord),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
  if (options.username) message.username = options.username;
  if (options.avatarUrl) message.avatar_url = options.avatarUrl;
  return message;
}

/** A cut URL is a broken link, so links that do not fit a field value are left out whole. */
function joinFitting(links: Array<string | undefined>): string {
  let value = '';
  for (const link of links) {
    if (link === undefined) continue;
    const next = value === '' ? link : `${value} · ${link}`;
    if (next.length <= DISCORD_LIMITS.fieldValue) value = next;
  }
  return value;
}

function capFields(drafts: DraftField[]): DraftField[] {
  if (drafts.length <= DISCORD_LIMITS.fields) return drafts;
  const kept = drafts.slice(0, DISCORD_LIMITS.fields - 1);
  const note = `${drafts.length - kept.length} more field(s) not shown`;
  kept.push({ field: { name: '…', value: note, inline: false } });
  return kept;
}

export function embedSize(embed: DiscordEmbed): number {
  return (
    embed.title.length +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

/**
 * Discord refuses an embed whose text adds up to more than 6000 characters. The description
 * gives way first, then the longest field values, each cut visibly from its raw text.
 */
function fitEmbedTotal(embed: DiscordEmbed, text: string | undefined, drafts: DraftField[]): void {
  const excess = () => embedSize(embed) - DISCORD_LIMITS.embedTotal;
  if (excess() <= 0) return;
  if (embed.description !== undefined && text !== undefined) {
    embed.description = fitEscaped(text, Math.max(1, embed.description.length - excess()), escapeDiscord);
  }
  while (excess() > 0) {
    let longest: DraftField | undefined;
    for (const d of drafts) {
      if (
        d.raw !== undefined &&
        d.field.value.length > 1 &&
        d.field.value.length > (longest?.field.value.length ?? 0)
      ) {
        longest = d;
      }
    }
    if (!longest || longest.raw === undefined) return;
    const budget = Math.max(1, longest.field.value.length - excess());
    longest.field.value = fitEscaped(longest.raw, budget, escapeDiscord);
  }
}

/*
 * A neutral Card as a Discord message: the embed comes from the notification renderer (one
 * place for escaping and embed limits), the card's actions become buttons in action rows.
 */

export interface DiscordButton {
  type: ComponentType.Button;
  style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger;
  label: string;
  custom_id: string;
}

export interface DiscordActionRow {
  type: ComponentType.ActionRow;
  components: DiscordButton[];
}

export interface DiscordCardMessage {
  content?: string;
  embeds: DiscordEmbed[];
  /** Always present, so an update that drops the buttons (a resolved incident) removes them. */
  components: DiscordActionRow[];
  /**
   * Nothing the text says pings anyone; only the card's configured people (`users`) are pinged,
   * and only they appear in `content`.
   */
  allowed_mentions: { parse: []; users?: string[] };
  flags?: MessageFlags;
}

const STYLE: Record<NonNullable<CardAction['style']>, DiscordButton['style']> = {
  primary: ButtonStyle.Primary,
  default: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
};

/** A press on a button with this prefix asks "are you sure?" first (Discord buttons have no confirm). */
export const ASK_PREFIX = '?';
/** The "yes" button of that question: `!<message id>:<action id>:<value>`. */
export const CONFIRMED_PREFIX = '!';
export const CANCEL_ID = '~cancel';
/** Room a confirmable custom_id must leave for the "!<snowflake>:" of its confirmation. */
const CONFIRM_OVERHEAD = 1 + 20 + 1;

export function renderDiscordCard(card: Card): DiscordCardMessage {
  const { embeds } = renderDiscord(card, { content: '' });
  const message: DiscordCardMessage = {
    embeds,
    components: renderButtons(card.actions),
    allowed_mentions: { parse: [] },
  };
  const users = discordPeople(card.people);
  if (users.length > 0) {
    message.content = users.map((id) => `<@${id}>`).join(' ');
    message.allowed_mentions = { parse: [], users };
  }
  return message;
}

/**
 * The ids to ping, checked again here: as many as fit in Discord's 100 allowed_mentions users
 * and in its content limit, so nobody is named in content without being pinged, or the reverse.
 */
function discordPeople(people: readonly CardPerson[] = []): string[] {
  const ids = people
    .map((p) => p.discord)
    .filter((id): id is string => id !== undefined && /^\d{15,21}$/.test(id));
  const kept: string[] = [];
  let length = 0;
  for (const id of new Set(ids)) {
    const added = id.length + 3 + (kept.length > 0 ? 1 : 0);
    if (kept.length === DISCORD_LIMITS.allowedMentionUsers || length + added > DISCORD_LIMITS.content) break;
    kept.push(id);
    length += added;
  }
  return kept;
}

/** `incident.ack` with value `INC-3` → `incident.ack:INC-3`; the value is untrusted when it comes back. */
export function customId(actionId: string, value: string | undefined): string {
  return `${actionId}:${value ?? ''}`;
}

export function renderButtons(actions: readonly CardAction[]): DiscordActionRow[] {
  const buttons: DiscordButton[] = [];
  const seen = new Set<string>();
  for (const action of actions) {
    const base = customId(action.id, action.value);
    const id = action.confirm ? `${ASK_PREFIX}${base}` : base;
    const limit = action.confirm ? COMPONENT_LIMITS.customId - CONFIRM_OVERHEAD : COMPONENT_LIMITS.customId;
    // A button Discord would refuse (or that could not carry its value back) is left out, not cut.
    if (id.length > limit || seen.has(id)) continue;
    seen.add(id);
    buttons.push(button(action.label, id, STYLE[action.style ?? 'default']));
  }
  const capped = buttons.slice(0, COMPONENT_LIMITS.rows * COMPONENT_LIMITS.buttonsPerRow);
  const rows: DiscordActionRow[] = [];
  for (let i = 0; i < capped.length; i += COMPONENT_LIMITS.buttonsPerRow) {
    rows.push({
      type: ComponentType.ActionRow,
      components: capped.slice(i, i + COMPONENT_LIMITS.buttonsPerRow),
    });
  }
  return rows;
}

export function button(label: string, id: string, style: DiscordButton['style']): DiscordButton {
  // Button labels are plain text (no markdown, no mentions): only length and controls matter.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const plain = label.replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ').trim() || '…';
  return {
    type: ComponentType.Button,
    style,
    label: truncate(plain, COMPONENT_LIMITS.buttonLabel),
    custom_id: id,
  };
}

/** The ephemeral "are you sure?" shown when a confirmable button is pressed. */
export function confirmationMessage(
  question: string,
  confirmLabel: string,
  confirmedId: string,
  style: DiscordButton['style'],
): DiscordCardMessage {
  const card: Card = { title: question, severity: 'warning', fields: [], links: [], actions: [] };
  return {
    ...renderDiscordCard(card),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          button(confirmLabel, confirmedId, style),
          button('Cancel', CANCEL_ID, ButtonStyle.Secondary),
        ],
      },
    ],
  };
}
