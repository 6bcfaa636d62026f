import type { Card } from '../src/core/card.js';

export interface TicketSummary {
  system: 'jira' | 'github' | 'linear' | 'azure' | 'ms_project';
  key: string;
  title: string;
  status: string;
  url?: string;
  specId?: string;
}

/** A spec's ticket on one tracker, as the spec's notification card names it. */
export interface LinkedTicket {
  system: TicketSummary['system'];
  key: string;
  url?: string;
}

const SYSTEM_NAME: Record<TicketSummary['system'], string> = {
  jira: 'Jira',
  github: 'GitHub',
  linear: 'Linear',
  azure: 'Azure DevOps',
  ms_project: 'Microsoft Planner',
};

/** How people call the tracker: "Jira", "Microsoft Planner". */
export function trackerName(system: TicketSummary['system']): string {
  return SYSTEM_NAME[system];
}

/** A ticket that was opened (or found) for a spec or an incident: key, status and link. */
export function ticketCard(ticket: TicketSummary): Card {
  return {
    title: `🎫 ${ticket.key}: ${ticket.title}`,
    severity: 'info',
    fields: [
      { label: 'Tracker', value: SYSTEM_NAME[ticket.system], inline: true },
      { label: 'Status', value: ticket.status, inline: true },
      ...(ticket.specId ? [{ label: 'Spec', value: ticket.specId, inline: true }] : []),
    ],
    links: ticket.url ? [{ label: `Open ${ticket.key}`, url: ticket.url }] : [],
    actions: [],
    footer: `Threadline · ${ticket.key}`,
  };
}

/** The reply in a spec's thread when a tracker opened the spec's ticket: "🎫 PROJ-12 opened in Jira". */
export function openedCard(ticket: TicketSummary): Card {
  const card = ticketCard(ticket);
  return {
    ...card,
    title: `🎫 ${ticket.key} opened in ${trackerName(ticket.system)}`,
    ...(ticket.title === ticket.key ? {} : { text: ticket.title }),
  };
}
