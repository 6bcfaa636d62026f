import { z } from 'zod';
import { resultCard } from '../cards/result.js';
import { type TicketSummary, ticketCard } from '../cards/ticket.js';
import type { ConnectorRegistry } from '../src/connectors/registry.js';
import {
  isTicketingConnector,
  type TicketingConnector,
} from '../src/connectors/ticketing/ticketing.connector.js';
import type { TicketRef } from '../src/connectors/ticketing/tracker.js';
import { userKey } from '../src/core/chat.js';
import { UserFacingError } from '../src/core/errors.js';
import { type CommandResult, defineCommand } from './define.js';

const SYSTEMS = ['jira', 'github', 'linear', 'azure'] as const;
type SystemOption = (typeof SYSTEMS)[number];

/** The `integrations:` block behind each --system value, for the "turn it on" hint. */
const INTEGRATION: Record<SystemOption, string> = {
  jira: 'jira',
  github: 'github_projects',
  linear: 'linear',
  azure: 'azure_devops',
};

function trackers(connectors: ConnectorRegistry): TicketingConnector[] {
  return connectors.all().filter(isTicketingConnector);
}

function trackerFor(connectors: ConnectorRegistry, system: SystemOption | undefined): TicketingConnector {
  const enabled = trackers(connectors);
  const chosen = system ? enabled.find((c) => c.tickets.tracker.system === system) : enabled[0];
  if (chosen) return chosen;
  throw new UserFacingError(
    system
      ? `No ticketing integration for ${system} is enabled: set integrations.${INTEGRATION[system]}.enabled: true`
      : 'No ticketing integration is enabled: turn one on under integrations (jira, github_projects, linear or azure_devops).',
  );
}

function trackerOwning(connectors: ConnectorRegistry, key: string): TicketingConnector {
  const enabled = trackers(connectors);
  const owner = enabled.find((c) => c.tickets.tracker.recognises(key));
  if (owner) return owner;
  throw new UserFacingError(
    enabled.length === 0
      ? 'No ticketing integration is enabled: turn one on under integrations (jira, github_projects, linear or azure_devops).'
      : `${key} is not a ticket key of ${enabled.map((c) => c.key).join(' or ')} (keys look like PROJ-12 in Jira, owner/repo#12 in GitHub, ENG-12 in Linear, 1201 in Azure DevOps)`,
  );
}

function summary(connector: TicketingConnector, ticket: TicketRef, specId?: string): TicketSummary {
  return {
    system: connector.tickets.tracker.system,
    key: ticket.key,
    title: ticket.title ?? ticket.key,
    status: ticket.status,
    url: ticket.url,
    specId,
  };
}

/**
 * The ticket's card in its thread: under the spec when it has one (the spec's card stays its
 * parent), else in a thread of its own whose parent is the ticket card, kept up to date.
 */
function threaded(card: TicketSummary, headline: string): CommandResult {
  const ticket = ticketCard(card);
  // A copy of the ticket's card: a status change in the tracker replaces it in the spec's thread too.
  if (card.specId) return { visibility: 'subject', subject: card.specId, card: ticket, copyOf: card.key };
  return { visibility: 'subject', subject: card.key, parent: ticket, card: resultCard(headline) };
}

export const ticketCreate = defineCommand({
  name: 'ticket create',
  summary: 'open a ticket in the configured tracker',
  usage: 'ticket create "<title>" [--system jira|github|linear|azure] [--spec FEAT-0001]',
  positionals: ['title'],
  rest: true,
  args: z.object({
    title: z.string().min(3).max(255),
    system: z.enum(SYSTEMS).optional(),
    spec: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'must be a spec id like FEAT-0001')
      .optional(),
  }),
  role: 'responder',
  mode: 'queued',
  pending: ({ title }) => `Creating ticket "${title}"…`,
  async run({ title, system, spec }, { services, invoker, idempotencyKey }) {
    const connector = trackerFor(services.connectors, system);
    const { tickets } = connector;
    // A spec's ticket is the one the spec events keep; a retried request finds the ticket it opened.
    const subject = spec
      ? { kind: 'spec' as const, id: spec }
      : { kind: 'request' as const, id: idempotencyKey };
    const { ticket, created } = await connector.run(async () =>
      tickets.open(subject, {
        title,
        specId: spec,
        description: `Opened from chat by ${userKey(invoker)}${spec ? ` for spec ${spec}` : ''}.`,
      }),
    );
    const current = await connector.run(() => tickets.tracker.get(ticket.key));
    return threaded(
      summary(connector, current, spec),
      created ? `🎫 Opened ${current.key}` : `🎫 ${current.key} was already open`,
    );
  },
});

export const ticketComment = defineCommand({
  name: 'ticket comment',
  summary: 'comment on a ticket',
  usage: 'ticket comment <key> <text>',
  positionals: ['key', 'text'],
  rest: true,
  args: z.object({ key: z.string().min(1).max(100), text: z.string().min(1).max(5000) }),
  role: 'responder',
  mode: 'queued',
  pending: ({ key }) => `Commenting on ${key}…`,
  async run({ key, text }, { services, invoker, idempotencyKey }) {
    const connector = trackerOwning(services.connectors, key);
    const { tickets } = connector;
    // The request's key stands for a delivery: a retried job finds its comment instead of posting it again.
    const posted = await connector.run(() =>
      tickets.comment(key, `${text}\n— ${userKey(invoker)} via Threadline`, {
        deliveryId: `request.${idempotencyKey}`,
        attempt: 1,
      }),
    );
    const current = await connector.run(() => tickets.tracker.get(key));
    return threaded(
      summary(connector, current, await tickets.specOf(key)),
      posted ? `💬 Commented on ${key}` : `💬 ${key} already has this comment`,
    );
  },
});

export const ticketClose = defineCommand({
  name: 'ticket close',
  summary: 'close a ticket',
  usage: 'ticket close <key>',
  positionals: ['key'],
  args: z.object({ key: z.string().min(1).max(100) }),
  role: 'responder',
  mode: 'queued',
  pending: ({ key }) => `Closing ${key}…`,
  async run({ key }, { services }) {
    const connector = trackerOwning(services.connectors, key);
    const { tickets } = connector;
    const closed = await connector.run(() => tickets.tracker.close(key));
    return threaded(summary(connector, closed, await tickets.specOf(key)), `✅ ${key} is ${closed.status}`);
  },
});
