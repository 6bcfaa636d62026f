import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  type AdaptiveCard,
  type OpenUrlAction,
  renderAdaptiveCard,
  type TextBlock,
} from '../../connectors/teams/render.js';
import type { Card, CardAction } from '../../core/card.js';
import type { ChatUser } from '../../core/chat.js';
import { escapeTeams, fitEscaped, truncate } from '../../security/escape.js';
import type { OutboundActivity } from './connector.js';
import { TEAMS_CHAT_LIMITS } from './limits.js';

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

/** Mention text must match in `text` and in the entity; the name comes from Teams itself. */
function mentionName(user: ChatUser): string {
  const name = withoutControls(user.name ?? user.id)
    .replace(/[<>&]/g, '')
    .trim();
  return truncate(name || 'you', TEAMS_CHAT_LIMITS.mentionName);
}

/**
 * A message carrying the card. With `mention`, the message is addressed to that person: Teams
 * has no ephemeral messages, so "only for you" answers are replies that @mention the asker.
 */
export function cardActivity(card: Card, mention?: ChatUser): OutboundActivity {
  const activity: OutboundActivity = { type: 'message', attachments: [renderTeamsCard(card)] };
  if (mention) {
    const text = `<at>${mentionName(mention)}</at>`;
    activity.text = text;
    activity.textFormat = 'xml';
    activity.entities = [
      { type: 'mention', text, mentioned: { id: mention.id, name: mentionName(mention) } },
    ];
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
