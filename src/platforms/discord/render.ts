import { ButtonStyle, ComponentType, type MessageFlags } from 'discord-api-types/v10';
import { type DiscordEmbed, renderDiscord } from '../../connectors/discord/render.js';
import type { Card, CardAction } from '../../core/card.js';
import { truncate } from '../../security/escape.js';
import { COMPONENT_LIMITS } from './limits.js';

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
  /** Never ping anyone, whatever the text says. */
  allowed_mentions: { parse: [] };
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
  return { embeds, components: renderButtons(card.actions), allowed_mentions: { parse: [] } };
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
