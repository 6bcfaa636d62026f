import type { Card } from '../../core/card.js';
import { escapeSlack, fitEscaped, plainSlack, safeLinkUrl, truncate } from '../../security/escape.js';
import { cardLines, linkCaption } from '../notification-card.js';

/** Block Kit limits (api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  blocks: 50,
  /** Slack accepts 40,000; a notification's fallback never needs a tenth of it. */
  fallbackText: 3000,
} as const;

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

export function slackLink(caption: string, url: string): string | undefined {
  const safe = safeLinkUrl(url);
  if (!safe) return undefined;
  return `<${safe.replace(/&/g, '&amp;')}|${escapeSlack(caption)}>`;
}

const markup = { text: escapeSlack, link: slackLink };

export function renderSlack(card: Card): SlackMessage {
  const mentions = (card.mentions ?? []).map(slackMention).join(' ');
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
