import type { Card, CardSeverity } from '../../core/card.js';
import { escapeTeams, fitEscaped, safeLinkUrl, truncate } from '../../security/escape.js';
import { cardLines } from '../notification-card.js';

/**
 * Teams caps a webhook message at about 28 KB; these per-element caps keep any notification
 * well under it while still showing what matters.
 */
export const TEAMS_LIMITS = {
  title: 200,
  factTitle: 100,
  factValue: 1000,
  facts: 20,
  text: 5000,
  actions: 6,
  plainText: 10_000,
} as const;

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
