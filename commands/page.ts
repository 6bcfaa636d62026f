import { z } from 'zod';
import { incidentCard } from '../cards/incident.js';
import { resultCard } from '../cards/result.js';
import { userKey } from '../src/core/chat.js';
import { type CommandContext, type CommandResult, defineCommand } from './define.js';
import { incidentEvent } from './incident-events.js';

const severity = z.enum(['critical', 'error', 'warning', 'info']);

async function openIncident(
  input: { title: string; service?: string; severity: z.infer<typeof severity> },
  { invoker, replyTo, idempotencyKey, services }: CommandContext,
): Promise<CommandResult> {
  const { incident } = await services.incidents.create({ ...input, by: userKey(invoker) }, idempotencyKey);
  // The pagers first: paging is what this command is for. Both calls are idempotent per incident.
  const pagers = await services.paging.request(incident.id, 'trigger', { by: userKey(invoker) });
  await services.emit(incidentEvent('incident_triggered', incident, 'triggered'));
  const destinations = [
    ...new Set([...pagers, ...services.connectors.route('incident_triggered').map((c) => c.key)]),
  ];
  const opened = `🚨 ${incident.id} opened${incident.service ? ` for ${incident.service}` : ''}`;
  const channels =
    (await services.incidentChannels?.show(
      incident.id,
      replyTo,
      `${opened} by ${userKey(invoker)} in ${replyTo.platform}`,
    )) ?? [];
  const sent = destinations.length
    ? `Sent to ${destinations.join(', ')}.`
    : 'No pager is enabled and no integration is routed incident_triggered yet.';
  return {
    visibility: 'subject',
    subject: incident.id,
    parent: incidentCard(incident),
    card: resultCard(
      opened,
      channels.length ? `${sent} The card is also in ${channels.join(', ')}.` : sent,
      'failure',
    ),
  };
}

export const page = defineCommand({
  name: 'page',
  summary: 'page the on-call for a service and open an incident',
  usage: 'page <service> <summary> [--severity critical|error|warning|info]',
  positionals: ['service', 'summary'],
  rest: true,
  args: z.object({
    service: z.string().min(1).max(100),
    summary: z.string().min(1).max(500),
    severity: severity.default('critical'),
  }),
  role: 'responder',
  mode: 'queued',
  pending: ({ service }) => `Paging ${service}…`,
  run: ({ service, summary, severity }, context) =>
    openIncident({ title: summary, service, severity }, context),
});

export const incident = defineCommand({
  name: 'incident',
  summary: 'open an incident with its own thread and card',
  usage: 'incident <title> [--severity critical|error|warning|info]',
  positionals: ['title'],
  rest: true,
  args: z.object({ title: z.string().min(1).max(500), severity: severity.default('error') }),
  role: 'responder',
  mode: 'queued',
  pending: () => 'Opening the incident…',
  run: ({ title, severity }, context) => openIncident({ title, severity }, context),
});
