import { cardLines, linkCaption } from '../../../cards/notification.js';
import type { Card, CardAction, CardPerson } from '../../core/card.js';
import type { Acknowledgement } from '../../core/chat.js';
import { escapeSlack, fitEscaped, plainSlack, safeLinkUrl, truncate } from '../../security/escape.js';
import { SLACK_LIMITS } from './limits.js';

export type SlackTextObject =
  | { type: 'mrkdwn'; text: string }
  | { type: 'plain_text'; text: string; emoji?: boolean };

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: 'context'; elements: SlackTextObject[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const BROADCASTS: Record<string, string> = {
  '@channel': '<!channel>',
  '@here': '<!here>',
  '@everyone': '<!everyone>',
};
const RAW_MENTION = /^<(@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+(\|[^<>]*)?|!channel|!here|!everyone)>$/;

/**
 * Config-supplied mentions as Slack syntax. Anything that is not a broadcast, a user id or a
 * user-group id is shown as text rather than trusted, so a typo cannot smuggle markup.
 */
export function slackMention(mention: string): string {
  const trimmed = mention.trim();
  const broadcast = BROADCASTS[trimmed.toLowerCase()];
  if (broadcast) return broadcast;
  if (RAW_MENTION.test(trimmed)) return trimmed;
  return escapeSlack(trimmed);
}

/** People with a Slack id as `<@U…>`; the id is checked again so nothing else becomes markup. */
export function slackPeople(people: readonly CardPerson[] = []): string[] {
  const ids = people
    .map((p) => p.slack)
    .filter((id): id is string => id !== undefined && SLACK_USER.test(id));
  return [...new Set(ids)].map((id) => `<@${id}>`);
}
const SLACK_USER = /^[UW][A-Z0-9]+$/;

export function slackLink(caption: string, url: string): string | undefined {
  const safe = safeLinkUrl(url);
  if (!safe) return undefined;
  return `<${safe.replace(/&/g, '&amp;')}|${escapeSlack(caption)}>`;
}

const markup = { text: escapeSlack, link: slackLink };

export function renderSlack(card: Card): SlackMessage {
  const mentions = [...(card.mentions ?? []).map(slackMention), ...slackPeople(card.people)].join(' ');
  const lines = cardLines(card, markup);
  const fallback = truncate(
    mentions === '' ? lines.join('\n') : `${mentions} ${lines.join('\n')}`,
    SLACK_LIMITS.fallbackText,
  );

  const blocks: SlackBlock[] = [];
  if (mentions !== '') blocks.push({ type: 'section', text: mrkdwn(mentions) });
  blocks.push({
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(plainSlack(card.title), SLACK_LIMITS.headerText),
      emoji: true,
    },
  });

  const inline = card.fields.filter((f) => f.inline !== false);
  for (let i = 0; i < inline.length; i += SLACK_LIMITS.fieldsPerSection) {
    const fields = inline.slice(i, i + SLACK_LIMITS.fieldsPerSection).map((f) => {
      const label = `*${escapeSlack(f.label)}*\n`;
      return mrkdwn(label + fitEscaped(f.value, SLACK_LIMITS.fieldText - label.length, escapeSlack));
    });
    blocks.push({ type: 'section', fields });
  }
  for (const f of card.fields.filter((field) => field.inline === false)) {
    const label = `*${escapeSlack(f.label)}*\n`;
    blocks.push({
      type: 'section',
      text: mrkdwn(label + fitEscaped(f.value, SLACK_LIMITS.sectionText - label.length, escapeSlack)),
    });
  }
  if (card.text) {
    blocks.push({
      type: 'section',
      text: mrkdwn(fitEscaped(card.text, SLACK_LIMITS.sectionText, escapeSlack)),
    });
  }

  // A cut URL is a broken link: one too long for a context element is left out whole.
  const links = card.links
    .map((l) => slackLink(linkCaption(l), l.url))
    .filter((l): l is string => l !== undefined && l.length <= SLACK_LIMITS.fieldText);
  const context = [...links.map(mrkdwn)];
  if (card.footer) context.push(mrkdwn(fitEscaped(card.footer, SLACK_LIMITS.fieldText, escapeSlack)));
  if (context.length > 0)
    blocks.push({ type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements) });

  return { text: fallback, blocks: capBlocks(blocks) };
}

/** Past the block limit the tail is replaced by one visible note instead of being lost silently. */
function capBlocks(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  const kept = blocks.slice(0, SLACK_LIMITS.blocks - 1);
  kept.push({
    type: 'context',
    elements: [mrkdwn(`… ${blocks.length - kept.length} more block(s) not shown`)],
  });
  return kept;
}

function mrkdwn(text: string): SlackTextObject {
  return { type: 'mrkdwn', text };
}

/**
 * Cards as Slack messages. The notification renderer already does header, fields, text, links,
 * footer, escaping and the block limit; this adds what chat cards have on top: buttons.
 */

/** Block Kit limits for interactive elements (api.slack.com/reference/block-kit). */
export const SLACK_ACTION_LIMITS = {
  elementsPerActionsBlock: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** More buttons than this on one card help nobody; the rest are named in a note. */
  actionsPerCard: 100,
} as const;

type PlainText = { type: 'plain_text'; text: string; emoji: boolean };

export interface SlackButton {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: {
    title: PlainText;
    text: PlainText;
    confirm: PlainText;
    deny: PlainText;
    style?: 'primary' | 'danger';
  };
}

export type SlackCardBlock = SlackBlock | { type: 'actions'; block_id: string; elements: SlackButton[] };

export interface SlackCardMessage {
  text: string;
  blocks: SlackCardBlock[];
}

export function renderSlackCard(card: Card): SlackCardMessage {
  const base = renderSlack(card);
  if (card.actions.length === 0) return base;
  const { blocks: actionBlocks, dropped } = actionsBlocks(card.actions);
  if (actionBlocks.length === 0) return base;

  // Buttons go above the footer (a trailing context block) so the card reads top to bottom.
  let body: SlackCardBlock[] = [...base.blocks];
  const last = body.at(-1);
  const footer: SlackCardBlock[] = last?.type === 'context' ? [last] : [];
  if (footer.length > 0) body = body.slice(0, -1);
  if (dropped > 0) footer.push(note(`… ${dropped} more button(s) not shown`));

  const room = SLACK_LIMITS.blocks - actionBlocks.length - footer.length;
  if (body.length > room) {
    const cut = body.length - (room - 1);
    body = [...body.slice(0, room - 1), note(`… ${cut} more block(s) not shown`)];
  }
  return { text: base.text, blocks: [...body, ...actionBlocks, ...footer].slice(0, SLACK_LIMITS.blocks) };
}

function actionsBlocks(actions: readonly CardAction[]): { blocks: SlackCardBlock[]; dropped: number } {
  const seen = new Map<string, number>();
  const buttons: SlackButton[] = [];
  let dropped = 0;
  for (const action of actions) {
    // A value Slack would refuse cannot be cut without changing what the button does: leave it out, visibly.
    if (
      buttons.length >= SLACK_ACTION_LIMITS.actionsPerCard ||
      (action.value?.length ?? 0) > SLACK_ACTION_LIMITS.buttonValue ||
      action.id.length > SLACK_ACTION_LIMITS.actionId - 4
    ) {
      dropped += 1;
      continue;
    }
    const count = seen.get(action.id) ?? 0;
    seen.set(action.id, count + 1);
    buttons.push(button(action, count === 0 ? action.id : `${action.id}#${count}`));
  }
  const blocks: SlackCardBlock[] = [];
  for (let i = 0; i < buttons.length; i += SLACK_ACTION_LIMITS.elementsPerActionsBlock) {
    blocks.push({
      type: 'actions',
      block_id: `tl.actions.${i / SLACK_ACTION_LIMITS.elementsPerActionsBlock}`,
      elements: buttons.slice(i, i + SLACK_ACTION_LIMITS.elementsPerActionsBlock),
    });
  }
  return { blocks, dropped };
}

function button(action: CardAction, actionId: string): SlackButton {
  const element: SlackButton = {
    type: 'button',
    action_id: actionId,
    text: plain(action.label, SLACK_ACTION_LIMITS.buttonText),
  };
  if (action.value !== undefined && action.value !== '') element.value = action.value;
  if (action.style === 'primary' || action.style === 'danger') element.style = action.style;
  if (action.confirm) {
    element.confirm = {
      title: plain(action.confirm.title, SLACK_ACTION_LIMITS.confirmTitle),
      text: plain(action.confirm.text, SLACK_ACTION_LIMITS.confirmText),
      confirm: plain(action.confirm.confirm, SLACK_ACTION_LIMITS.confirmButton),
      deny: plain(action.confirm.deny, SLACK_ACTION_LIMITS.confirmButton),
      ...(action.style === 'danger' ? { style: 'danger' as const } : {}),
    };
  }
  return element;
}

/** plain_text is never parsed for mentions or links; it only has to be non-empty and short enough. */
function plain(text: string, max: number): PlainText {
  const clean = plainSlack(text).trim();
  return { type: 'plain_text', text: truncate(clean === '' ? '…' : clean, max), emoji: true };
}

function note(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

/** The body of a slash command's immediate answer (or a response_url post). */
export function slashResponse(
  card: Card,
  visibility: Acknowledgement['visibility'],
): SlackCardMessage & { response_type: 'ephemeral' | 'in_channel' } {
  return { response_type: visibility === 'reply' ? 'in_channel' : 'ephemeral', ...renderSlackCard(card) };
}
