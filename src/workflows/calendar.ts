import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Escalations, EscalationsConfig, EscalationTimer } from './escalations.js';
import type { OnCallSchedules } from './oncall.js';

/*
 * Threadline's own calendar: the on-call shifts of every schedule and the deadline of every
 * escalation timer still waiting, as one ICS feed that Google Calendar or Outlook subscribe to.
 * Calendar apps cannot send headers, so the feed is addressed by a secret token in its path.
 */

export const CALENDAR_PATH = '/calendar/:token/oncall.ics';

export interface CalendarSources {
  schedules: OnCallSchedules;
  days: number;
  pending(): Promise<EscalationTimer[]>;
  escalations?: Escalations;
  policies: EscalationsConfig['policies'];
  clock?: () => number;
}

const SLA_EVENT_MINUTES = 15;

/** The feed's text. ical-generator is imported here, so a process without the calendar never loads it. */
export async function calendarText(sources: CalendarSources): Promise<string> {
  const { default: ical } = await import('ical-generator');
  const now = (sources.clock ?? Date.now)();
  const calendar = ical({
    name: 'Threadline on-call and escalations',
    prodId: { company: 'threadline', product: 'threadline', language: 'EN' },
    ttl: 300,
  });
  const until = new Date(now + sources.days * 86_400_000);
  for (const name of sources.schedules.names()) {
    let shifts: Awaited<ReturnType<OnCallSchedules['shifts']>>;
    try {
      shifts = await sources.schedules.shifts(name, new Date(now), until);
    } catch {
      // One feed that cannot be read leaves its schedule out; the rest of the calendar still serves.
      continue;
    }
    for (const shift of shifts)
      calendar.createEvent({
        id: `oncall.${name}.${shift.start.getTime()}@threadline`,
        start: shift.start,
        end: shift.end,
        summary: `On call (${name}): ${shift.person}`,
        description: `${shift.person} is on call for the ${name} schedule.`,
      });
  }
  for (const timer of await sources.pending()) {
    const state = await sources.escalations?.stateOf(timer.incidentId);
    if (sources.escalations && !state) continue;
    const policy = sources.policies[timer.policy];
    const step = policy?.steps[timer.step];
    const targets = step ? [...step.notify, ...(step.page ? ['the pager'] : [])].join(', ') : '';
    const title = state?.incident.title ?? timer.incidentId;
    calendar.createEvent({
      id: `sla.${timer.incidentId}.r${timer.round}.s${timer.step}@threadline`,
      start: new Date(timer.dueAt),
      end: new Date(timer.dueAt + SLA_EVENT_MINUTES * 60_000),
      summary: `⏫ SLA: ${timer.incidentId} escalates${targets ? ` to ${targets}` : ''}`,
      description: `${timer.incidentId} ${title}: unless acknowledged, step ${timer.step + 1} of policy ${timer.policy} fires at this time.`,
    });
  }
  return calendar.toString();
}

/** GET /calendar/<token>/oncall.ics: the feed, or 404 for any other token (nothing tells a guesser it exists). */
export function registerCalendarRoute(
  server: FastifyInstance,
  token: string,
  sources: CalendarSources,
): void {
  const expected = Buffer.from(token);
  server.get<{ Params: { token: string } }>(CALENDAR_PATH, async (request, reply) => {
    const given = Buffer.from(request.params.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return reply.code(404).send({ error: 'not_found', message: 'no such calendar' });
    const text = await calendarText(sources);
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=60')
      .send(text);
  });
}
