import { z } from 'zod';
import { incidentCard } from '../cards/incident.js';
import { resultCard } from '../cards/result.js';
import { userKey } from '../src/core/chat.js';
import type { EventName } from '../src/core/events.js';
import { lastEntry } from '../src/workflows/incidents.js';
import { type CommandContext, type CommandResult, defineCommand } from './define.js';
import { incidentEvent } from './incident-events.js';
import type { PagerStep } from './services.js';

type Change = 'acknowledged' | 'resolved' | 'escalated';

const STEPS: Record<Change, PagerStep> = {
  acknowledged: 'acknowledge',
  resolved: 'resolve',
  escalated: 'escalate',
};

const EVENTS: Record<Change, EventName> = {
  acknowledged: 'incident_acknowledged',
  resolved: 'incident_resolved',
  escalated: 'incident_escalated',
};
const EMOJI: Record<Change, string> = { acknowledged: '👀', resolved: '✅', escalated: '⏫' };

async function change(
  id: string,
  kind: Change,
  { invoker, services }: CommandContext,
): Promise<CommandResult> {
  const by = userKey(invoker);
  const transition =
    kind === 'acknowledged'
      ? await services.incidents.acknowledge(id, by)
      : kind === 'resolved'
        ? await services.incidents.resolve(id, by)
        : await services.incidents.escalate(id, by);
  const { incident } = transition;
  if (!transition.applied) {
    // A retry of a job whose first try changed the incident but died before the pagers were
    // asked: asking again is a no-op when they were, and completes the change when they were not.
    // A change a pager reported is passed on by the incident workflow itself.
    const made = kind === 'escalated' ? undefined : lastEntry(incident, kind);
    if (made && !made.via) await services.paging.request(incident.id, STEPS[kind], { by: made.by });
    const earlier =
      lastEntry(incident, kind === 'escalated' ? 'resolved' : kind) ?? lastEntry(incident, 'resolved');
    return {
      visibility: 'ephemeral',
      card: resultCard(
        `${incident.id} is already ${incident.status}`,
        earlier ? `${earlier.action} by ${earlier.by} at ${earlier.at}` : undefined,
      ),
    };
  }
  const step = kind === 'escalated' ? `escalated.${incident.history.length}` : kind;
  await services.paging.request(incident.id, STEPS[kind], { by });
  await services.emit(incidentEvent(EVENTS[kind], incident, step));
  return {
    visibility: 'subject',
    subject: incident.id,
    parent: incidentCard(incident),
    card: resultCard(
      `${EMOJI[kind]} ${incident.id} ${kind} by ${by}`,
      undefined,
      kind === 'resolved' ? 'success' : 'info',
    ),
  };
}

const idArgs = z.object({ id: z.string().min(1).max(40) });

export const ack = defineCommand({
  name: 'ack',
  button: { actionId: 'incident.ack', argument: 'id' },
  summary: 'acknowledge an incident',
  usage: 'ack <incident-id>',
  positionals: ['id'],
  args: idArgs,
  role: 'responder',
  mode: 'queued',
  pending: ({ id }) => `Acknowledging ${id}…`,
  run: ({ id }, context) => change(id, 'acknowledged', context),
});

export const resolve = defineCommand({
  name: 'resolve',
  button: { actionId: 'incident.resolve', argument: 'id' },
  summary: 'resolve an incident',
  usage: 'resolve <incident-id>',
  positionals: ['id'],
  args: idArgs,
  role: 'responder',
  mode: 'queued',
  pending: ({ id }) => `Resolving ${id}…`,
  run: ({ id }, context) => change(id, 'resolved', context),
});

export const escalate = defineCommand({
  name: 'escalate',
  button: { actionId: 'incident.escalate', argument: 'id' },
  summary: 'escalate an incident to the next responder',
  usage: 'escalate <incident-id>',
  positionals: ['id'],
  args: idArgs,
  role: 'responder',
  mode: 'queued',
  pending: ({ id }) => `Escalating ${id}…`,
  run: ({ id }, context) => change(id, 'escalated', context),
});
