import type { Card, CardField, CardLink, CardSeverity } from '../src/core/card.js';
import { type EventOutcome, eventDefinition } from '../src/core/events.js';
import { errorText, logsUrl, type StoredEvent } from '../src/core/payload.js';
import { type LinkedTicket, trackerName } from './ticket.js';

/**
 * Events as the neutral card every human-facing connector renders, laid out like the
 * Integrations Guide's message examples:
 *
 *   ❌ Spec Implementation Failed
 *   • ID: FEAT-0001
 *   • Title: User Authentication
 *   • Error: Schema validation failed
 *   • Logs: [View Details]
 */

export const LINK_VIEW_PR = 'View PR';
export const LINK_VIEW_SPEC = 'View Spec';
export const LINK_LOGS = 'Logs';
/** The guide shows the logs link as "Logs: [View Details]". */
export const LOGS_CAPTION = 'View Details';

/** More lines than this in one digest message help nobody; the rest are counted. */
export const DIGEST_MAX_LINES = 40;

const SEVERITY: Record<EventOutcome, CardSeverity> = {
  started: 'started',
  success: 'success',
  failure: 'failure',
  info: 'info',
  warning: 'warning',
};

export function isFailure(event: StoredEvent): boolean {
  return eventDefinition(event.payload.event).outcome === 'failure';
}

export function eventHeadline(event: StoredEvent): string {
  const definition = eventDefinition(event.payload.event);
  return `${definition.emoji} ${definition.title}`;
}

/** What a one-line mention of the event names it by: the spec id, else the event id. */
export function eventSubject(event: StoredEvent): string {
  return event.payload.spec?.id ?? event.payload.id;
}

export interface NotificationOptions {
  mentions?: readonly string[];
  /** The spec's tickets, where a chat delivery knows them: "Jira PROJ-12 · GitHub org/repo#34". */
  tickets?: readonly LinkedTicket[];
}

export function notificationCard(event: StoredEvent, options: NotificationOptions = {}): Card {
  const { payload } = event;
  const definition = eventDefinition(payload.event);
  const fields: CardField[] = [];
  const add = (label: string, value: string | undefined, inline = true) => {
    if (value !== undefined && value.trim() !== '') fields.push({ label, value, inline });
  };
  add('ID', payload.spec?.id);
  add('Title', payload.spec?.title);
  add('Branch', payload.branch);
  add('PR', payload.pr ? `#${payload.pr.number}` : undefined);
  add('Review requested from', payload.review_requested?.filter((r) => r.trim() !== '').join(', '));
  add('Error', errorText(payload), false);
  const tickets = options.tickets ?? [];
  add('Tickets', tickets.map((t) => `${trackerName(t.system)} ${t.key}`).join(' · '));

  const links: CardLink[] = [];
  if (payload.pr?.url) links.push({ label: LINK_VIEW_PR, url: payload.pr.url });
  if (payload.spec?.url) links.push({ label: LINK_VIEW_SPEC, url: payload.spec.url });
  const logs = logsUrl(payload);
  if (logs) links.push({ label: LINK_LOGS, url: logs });
  for (const ticket of tickets) if (ticket.url) links.push({ label: `Open ${ticket.key}`, url: ticket.url });

  const card: Card = {
    title: `${definition.emoji} ${definition.title}`,
    severity: SEVERITY[definition.outcome],
    fields,
    links,
    actions: [],
    footer: payload.repository ? `${payload.repository.owner}/${payload.repository.name}` : undefined,
  };
  if (options.mentions && options.mentions.length > 0) card.mentions = [...options.mentions];
  return card;
}

const SEVERITY_RANK: Record<CardSeverity, number> = {
  failure: 4,
  warning: 3,
  success: 2,
  started: 1,
  info: 0,
};

/** One message standing in for events the rate limit held back: one line per event. */
export function digestCard(
  events: readonly StoredEvent[],
  options: { mentions?: readonly string[] } = {},
): Card {
  const count = events.length;
  const shown = events.slice(0, DIGEST_MAX_LINES);
  const lines = shown.map((e) => `${eventHeadline(e)}: ${eventSubject(e)}`);
  if (count > shown.length) lines.push(`… and ${count - shown.length} more`);
  let severity: CardSeverity = 'info';
  for (const e of events) {
    const s = SEVERITY[eventDefinition(e.payload.event).outcome];
    if (SEVERITY_RANK[s] > SEVERITY_RANK[severity]) severity = s;
  }
  const card: Card = {
    title: `📨 ${count} ${count === 1 ? 'notification' : 'notifications'} held by the rate limit`,
    severity,
    text: lines.join('\n'),
    fields: [],
    links: [],
    actions: [],
  };
  if (options.mentions && options.mentions.length > 0) card.mentions = [...options.mentions];
  return card;
}

export interface LineMarkup {
  /** Escapes untrusted text for the target. */
  text(raw: string): string;
  /** A link with a trusted caption; the URL is not yet checked. */
  link(caption: string, url: string): string | undefined;
}

/**
 * The guide's bullet layout in a target's markup: title, `• Label: value` per field, the text,
 * `• Logs: [View Details]`, then the remaining links on one line. Shared by Slack's fallback
 * text, Teams' plain message and the e-mail text body so they never drift apart.
 */
export function cardLines(card: Card, markup: LineMarkup): string[] {
  const lines = [markup.text(card.title)];
  for (const field of card.fields) lines.push(`• ${markup.text(field.label)}: ${markup.text(field.value)}`);
  if (card.text) lines.push(markup.text(card.text));
  const logs = card.links.find((l) => l.label === LINK_LOGS);
  const logsLink = logs ? markup.link(LOGS_CAPTION, logs.url) : undefined;
  if (logsLink) lines.push(`• ${LINK_LOGS}: ${logsLink}`);
  const others = card.links
    .filter((l) => l !== logs)
    .map((l) => markup.link(l.label, l.url))
    .filter((l): l is string => l !== undefined);
  if (others.length > 0) lines.push(others.join(' · '));
  return lines;
}

/** The caption a link shows as a button or masked link. */
export function linkCaption(link: CardLink): string {
  return link.label === LINK_LOGS ? LOGS_CAPTION : link.label;
}
