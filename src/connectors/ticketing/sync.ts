import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { type EventName, eventDefinition } from '../../core/events.js';
import { type EventPayload, errorText, logsUrl, type StoredEvent } from '../../core/payload.js';
import { WaiverEventBody, waiverDecisionNote } from '../../workflows/waiver-events.js';
import type { DeliveryContext, DeliveryReceipt } from '../connector.js';
import type { Tickets } from './tickets.js';
import type { NewTicket, PullRequestLink } from './tracker.js';

/** The spec lifecycle events a tracker follows, and what each does to the spec's ticket. */
export const SPEC_SYNC_EVENTS = [
  'spec_created',
  'spec_approved',
  'implementation_completed',
  'implementation_failed',
  'pr_created',
  'pr_merged',
  'validation_failed',
] as const satisfies readonly EventName[];
export type SpecSyncEvent = (typeof SPEC_SYNC_EVENTS)[number];

export function isSpecSyncEvent(event: EventName): event is SpecSyncEvent {
  return (SPEC_SYNC_EVENTS as readonly string[]).includes(event);
}

/** Waiver decisions are mirrored to the waived spec's ticket as a comment. */
const WAIVER_DECISIONS = ['waiver_approved', 'waiver_rejected'] as const satisfies readonly EventName[];

/** Every event a tracker follows: the spec lifecycle and the decisions on its waivers. */
export const TICKET_SYNC_EVENTS = [...SPEC_SYNC_EVENTS, ...WAIVER_DECISIONS] as const;

/** Whether a tracker follows `event`, so that its delivery may open the spec's ticket. */
export function isTicketSyncEvent(event: EventName): boolean {
  return (TICKET_SYNC_EVENTS as readonly string[]).includes(event);
}

/** Producers may send the spec's acceptance criteria along; a list of strings is all we read. */
const AcceptanceCriteria = z.array(z.string().min(1).max(2_000)).max(100);

/**
 * One spec event applied to the spec's ticket: the ticket is opened on the spec's first event
 * (normally spec_created), then moved, linked or commented on. Runs as a connector delivery, so
 * retries, Retry-After, dead letters and replay are the queue's.
 */
export async function syncSpecEvent(
  tickets: Tickets,
  event: StoredEvent,
  delivery: DeliveryContext,
): Promise<DeliveryReceipt> {
  const { payload } = event;
  const name = payload.event;
  if ((WAIVER_DECISIONS as readonly string[]).includes(name))
    return mirrorWaiverDecision(tickets, payload, delivery);
  if (!isSpecSyncEvent(name)) throw new ValidationError(`${name} is not a spec lifecycle event`);
  const spec = payload.spec;
  if (!spec) throw new ValidationError(`spec: is required for ${name}, the ticket is kept per spec`);
  const tracker = tickets.tracker;
  const { ticket, created } = await tickets.open({ kind: 'spec', id: spec.id }, newTicket(payload, spec.id));
  const opened = created ? `opened ${ticket.key}` : ticket.key;
  switch (name) {
    case 'spec_created':
      return { reference: ticket.key, summary: `${opened} for ${spec.id}` };
    case 'spec_approved':
    case 'implementation_completed': {
      const stage = name === 'spec_approved' ? 'approved' : 'implemented';
      const moved = await tickets.advance(ticket.key, stage);
      return {
        reference: ticket.key,
        summary: moved
          ? `${opened} moved to ${moved.status}`
          : `${opened}: no ${tracker.system} transition is configured for ${stage}`,
      };
    }
    case 'pr_merged': {
      const closed = await tickets.close(ticket.key);
      return { reference: ticket.key, summary: `${opened} is ${closed.status}` };
    }
    case 'pr_created':
      await tracker.linkPullRequest(ticket.key, pullRequest(payload));
      return { reference: ticket.key, summary: `${opened} linked to PR #${payload.pr?.number}` };
    case 'implementation_failed':
    case 'validation_failed': {
      const posted = await tickets.comment(ticket.key, failureComment(name, payload), delivery);
      return {
        reference: ticket.key,
        summary: `${opened}: ${posted ? 'commented' : 'had already been commented'} ${name}`,
      };
    }
  }
}

function newTicket(payload: EventPayload, specId: string): NewTicket {
  const spec = payload.spec;
  const criteria = AcceptanceCriteria.safeParse(spec?.acceptance_criteria);
  const lines = [
    `Spec ${specId}${spec?.status ? ` (${spec.status})` : ''}.`,
    ...(spec?.file ? [`File: ${spec.file}`] : []),
    ...(spec?.url ? [`Link: ${spec.url}`] : []),
  ];
  return {
    title: spec?.title ? `${specId}: ${spec.title}` : specId,
    specId,
    description: lines.join('\n'),
    acceptanceCriteria: criteria.success ? criteria.data : [],
  };
}

function pullRequest(payload: EventPayload): PullRequestLink {
  const pr = payload.pr;
  if (!pr) throw new ValidationError('pr: is required for pr_created, it names the pull request to link');
  const url =
    pr.url ??
    (payload.repository
      ? `https://github.com/${payload.repository.owner}/${payload.repository.name}/pull/${pr.number}`
      : undefined);
  if (!url) throw new ValidationError('pr.url: is required for pr_created when repository is absent');
  return { url, number: pr.number, title: pr.title };
}

function failureComment(name: SpecSyncEvent, payload: EventPayload): string {
  const error = errorText(payload);
  const logs = logsUrl(payload);
  return [
    `${eventDefinition(name).title}${error ? `: ${error}` : ''}`,
    ...(logs ? [`Logs: ${logs}`] : []),
  ].join('\n');
}

/** A decided waiver, as a note on the waived spec's ticket (opened if the spec has none yet). */
async function mirrorWaiverDecision(
  tickets: Tickets,
  payload: EventPayload,
  delivery: DeliveryContext,
): Promise<DeliveryReceipt> {
  const spec = payload.spec;
  if (!spec) throw new ValidationError(`spec: is required for ${payload.event}, the ticket is kept per spec`);
  const body = WaiverEventBody.safeParse((payload as Record<string, unknown>).waiver);
  if (!body.success) {
    const issue = body.error.issues[0];
    const field = ['waiver', ...(issue?.path ?? [])].join('.');
    throw new ValidationError(`${field}: ${issue?.message ?? 'is not a waiver'}`);
  }
  const { ticket } = await tickets.open({ kind: 'spec', id: spec.id }, newTicket(payload, spec.id));
  const posted = await tickets.comment(ticket.key, waiverDecisionNote(body.data), delivery);
  return {
    reference: ticket.key,
    summary: `${ticket.key}: ${posted ? 'noted' : 'had already noted'} waiver ${body.data.id} ${body.data.status}`,
  };
}
