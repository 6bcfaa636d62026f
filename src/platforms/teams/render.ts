import { cardLines } from '../../../cards/notification.js';
import type { Card, CardAction, CardSeverity } from '../../core/card.js';
import type { ChatUser } from '../../core/chat.js';
import { escapeTeams, fitEscaped, safeLinkUrl, truncate } from '../../security/escape.js';
import type { OutboundActivity } from './client.js';
import { TEAMS_CHAT_LIMITS, TEAMS_LIMITS } from './limits.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

export type AdaptiveColor = 'good' | 'attention' | 'warning' | 'accent';

const COLORS: Record<CardSeverity, AdaptiveColor> = {
  success: 'good',
  failure: 'attention',
  warning: 'warning',
  info: 'accent',
  started: 'accent',
};

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  color?: AdaptiveColor;
  isSubtle?: boolean;
  style?: 'heading';
  spacing?: 'Small' | 'Medium';
}

export interface FactSet {
  type: 'FactSet';
  facts: Array<{ title: string; value: string }>;
}

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export interface AdaptiveCard {
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  type: 'AdaptiveCard';
  version: '1.5';
  body: Array<TextBlock | FactSet>;
  actions?: OpenUrlAction[];
}

export interface TeamsCardMessage {
  type: 'message';
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard }>;
}

export interface TeamsTextMessage {
  text: string;
}

export function adaptiveColor(severity: CardSeverity): AdaptiveColor {
  return COLORS[severity];
}

export function renderAdaptiveCard(card: Card): TeamsCardMessage {
  const body: AdaptiveCard['body'] = [
    {
      type: 'TextBlock',
      text: fitEscaped(card.title, TEAMS_LIMITS.title, escapeTeams),
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      style: 'heading',
      color: adaptiveColor(card.severity),
    },
  ];
  const facts = card.fields
    .filter((f) => f.inline !== false)
    .slice(0, TEAMS_LIMITS.facts)
    .map((f) => ({
      title: fitEscaped(f.label, TEAMS_LIMITS.factTitle, escapeTeams),
      value: fitEscaped(f.value, TEAMS_LIMITS.factValue, escapeTeams),
    }));
  if (facts.length > 0) body.push({ type: 'FactSet', facts });
  for (const f of card.fields.filter((field) => field.inline === false)) {
    body.push({ type: 'TextBlock', text: `**${escapeTeams(f.label)}**`, wrap: true, spacing: 'Medium' });
    body.push({ type: 'TextBlock', text: fitEscaped(f.value, TEAMS_LIMITS.text, escapeTeams), wrap: true });
  }
  if (card.text)
    body.push({ type: 'TextBlock', text: fitEscaped(card.text, TEAMS_LIMITS.text, escapeTeams), wrap: true });
  if (card.footer) {
    body.push({
      type: 'TextBlock',
      text: fitEscaped(card.footer, TEAMS_LIMITS.title, escapeTeams),
      wrap: true,
      isSubtle: true,
      size: 'Small',
    });
  }

  const actions: OpenUrlAction[] = [];
  for (const link of card.links.slice(0, TEAMS_LIMITS.actions)) {
    const url = safeLinkUrl(link.url);
    if (url) actions.push({ type: 'Action.OpenUrl', title: truncate(link.label, 50), url });
  }

  const content: AdaptiveCard = {
    $schema: ADAPTIVE_CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: '1.5',
    body,
  };
  if (actions.length > 0) content.actions = actions;
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content }] };
}

function teamsLink(caption: string, url: string): string | undefined {
  const safe = safeLinkUrl(url);
  return safe ? `[${escapeTeams(caption)}](${safe})` : undefined;
}

/** The guide's bullet layout as Teams markdown; Teams needs a blank line to break a line. */
export function renderTeamsText(card: Card): TeamsTextMessage {
  const lines = cardLines(card, { text: escapeTeams, link: teamsLink });
  return { text: truncate(lines.join('\n\n'), TEAMS_LIMITS.plainText) };
}

type ActionStyle = 'positive' | 'destructive';

/** Older Teams clients without Universal Actions send this as a message whose `value` is `data`. */
export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: { verb: string; value: string };
  style?: ActionStyle;
}

/** Universal Actions: Teams sends an `adaptiveCard/action` invoke with this verb and data. */
export interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: { value: string };
  style?: ActionStyle;
  fallback: SubmitAction;
}

/** Adaptive Cards have no confirm dialog: a confirm step is a card that opens under the button. */
export interface ShowCardAction {
  type: 'Action.ShowCard';
  title: string;
  card: { type: 'AdaptiveCard'; body: TextBlock[]; actions: ExecuteAction[] };
}

export type ChatCardAction = ExecuteAction | ShowCardAction | OpenUrlAction;

export interface ChatAdaptiveCard extends Omit<AdaptiveCard, 'actions'> {
  actions?: ChatCardAction[];
}

export interface CardAttachment {
  contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  content: ChatAdaptiveCard;
}

const STYLES: Record<NonNullable<CardAction['style']>, ActionStyle | undefined> = {
  primary: 'positive',
  danger: 'destructive',
  default: undefined,
};

function execute(action: CardAction, title: string): ExecuteAction {
  const style = action.style ? STYLES[action.style] : undefined;
  const value = action.value ?? '';
  const fallback: SubmitAction = { type: 'Action.Submit', title, data: { verb: action.id, value } };
  const button: ExecuteAction = { type: 'Action.Execute', title, verb: action.id, data: { value }, fallback };
  if (style) {
    button.style = style;
    fallback.style = style;
  }
  return button;
}

function button(action: CardAction): ExecuteAction | ShowCardAction {
  const title = truncate(action.label, TEAMS_CHAT_LIMITS.buttonTitle);
  if (!action.confirm) return execute(action, title);
  const { confirm } = action;
  return {
    type: 'Action.ShowCard',
    title,
    card: {
      type: 'AdaptiveCard',
      body: [
        {
          type: 'TextBlock',
          text: fitEscaped(confirm.title, TEAMS_CHAT_LIMITS.title, escapeTeams),
          wrap: true,
          weight: 'Bolder',
        },
        {
          type: 'TextBlock',
          text: fitEscaped(confirm.text, TEAMS_CHAT_LIMITS.text, escapeTeams),
          wrap: true,
        },
      ],
      actions: [execute(action, truncate(confirm.confirm, TEAMS_CHAT_LIMITS.buttonTitle))],
    },
  };
}

/**
 * A neutral card as an Adaptive Card 1.5: the notification layout from the Teams connector
 * (escaping and size limits included), with the card's buttons first, as Action.Execute with
 * an Action.Submit fallback, then its links; Teams shows at most six actions.
 */
export function renderTeamsCard(card: Card): CardAttachment {
  const attachment = renderAdaptiveCard(card).attachments[0]!;
  const { actions: links = [], ...content } = attachment.content;
  const actions: ChatCardAction[] = [...card.actions.map(button), ...links].slice(
    0,
    TEAMS_CHAT_LIMITS.actions,
  );
  return {
    contentType: ADAPTIVE_CARD_CONTENT_TYPE,
    content: actions.length > 0 ? { ...content, actions } : content,
  };
}

/** Mention text must match in `text` and in the entity; the name comes from Teams or the config. */
function mentionName(name: string): string {
  const plain = withoutControls(name).replace(/[<>&]/g, '').trim();
  return truncate(plain || 'you', TEAMS_CHAT_LIMITS.mentionName);
}

/**
 * A message carrying the card. With `mention`, the message is addressed to that person: Teams
 * has no ephemeral messages, so "only for you" answers are replies that @mention the asker.
 * The card's people with a Teams id are @mentioned too (Bot Framework mention entities).
 */
export function cardActivity(card: Card, mention?: ChatUser): OutboundActivity {
  const activity: OutboundActivity = { type: 'message', attachments: [renderTeamsCard(card)] };
  const people = [
    ...(mention ? [{ id: mention.id, name: mention.name ?? mention.id }] : []),
    ...(card.people ?? []).flatMap((p) => (p.teams ? [p.teams] : [])),
  ];
  const seen = new Set<string>();
  const entities: Array<Record<string, unknown>> = [];
  for (const person of people) {
    if (seen.has(person.id)) continue;
    seen.add(person.id);
    const name = mentionName(person.name);
    const text = `<at>${name}</at>`;
    entities.push({ type: 'mention', text, mentioned: { id: person.id, name } });
  }
  if (entities.length > 0) {
    activity.text = entities.map((e) => e.text).join(' ');
    activity.textFormat = 'xml';
    activity.entities = entities;
  }
  return activity;
}

/** A card as one line of plain text, for the toast an invoke answer shows to the clicker. */
export function toastText(card: Card): string {
  const text = card.text ? `${card.title} — ${card.text.replace(/\s*\n\s*/g, ' ')}` : card.title;
  return truncate(withoutControls(text), TEAMS_CHAT_LIMITS.toast);
}

function withoutControls(text: string): string {
  return Array.from(text)
    .filter((c) => {
      const code = c.codePointAt(0)!;
      return code >= 0x20 && (code < 0x7f || code > 0x9f);
    })
    .join('');
}

/** The body of an `adaptiveCard/action` invoke answer (Universal Actions). */
export type AdaptiveCardInvokeResponse =
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: ChatAdaptiveCard }
  | { statusCode: number; type: 'application/vnd.microsoft.error'; value: { code: string; message: string } };

export function invokeMessage(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

export function invokeError(statusCode: number, message: string): AdaptiveCardInvokeResponse {
  return {
    statusCode,
    type: 'application/vnd.microsoft.error',
    value: { code: String(statusCode), message },
  };
}
