import { z } from 'zod';
import { NotFoundError, TransientError, UserFacingError } from '../core/errors.js';
import { duration } from './duration.js';

/*
 * Who is on call: a static rotation written in the config, or an iCalendar (ICS) feed such as
 * the ones PagerDuty, Opsgenie, Google Calendar or Outlook publish, where each event is one
 * shift and its summary names the person.
 */

const scheduleName = z.string().regex(/^[\w.-]{1,64}$/, 'schedule names use letters, digits, _ . -');

const Rotation = z.strictObject({
  /** In order; the first takes the shift that begins at `start`. */
  members: z.array(z.string().trim().min(1).max(200)).min(1),
  start: z.iso.datetime({ offset: true }),
  shift: duration(60_000, 366 * 86_400_000).default(7 * 86_400_000),
});

const IcsFeed = z.strictObject({
  url: z
    .string()
    .trim()
    .refine((u) => /^(https?|webcal):\/\//i.test(u), 'must be an http(s) or webcal URL'),
  /** How long a fetched feed is used before it is fetched again. */
  refresh: duration(1_000, 86_400_000).default(300_000),
  /** Text removed from each event's summary to leave the person's name, e.g. "On call: ". */
  strip: z.string().max(200).optional(),
});

const Schedule = z
  .strictObject({ rotation: Rotation.optional(), ics: IcsFeed.optional() })
  .refine((s) => (s.rotation ? 1 : 0) + (s.ics ? 1 : 0) === 1, 'needs exactly one of rotation or ics');

export const OnCallConfig = z.strictObject({
  schedules: z.record(scheduleName, Schedule).default({}),
  /** Threadline's own ICS feed of the rotations and pending escalation deadlines. */
  calendar: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Required when enabled: calendar apps cannot send headers, so the token is in the URL. */
      token: z.string().min(16, 'must be at least 16 characters').optional(),
      /** How far ahead rotations are written into the feed. */
      days: z.number().int().min(1).max(366).default(28),
    })
    .refine((c) => !c.enabled || c.token !== undefined, {
      message: 'a token is required when the calendar is enabled',
      path: ['token'],
    })
    .default({ enabled: false, days: 28 }),
});
export type OnCallConfig = z.infer<typeof OnCallConfig>;
export type ScheduleConfig = z.infer<typeof Schedule>;

export interface Shift {
  person: string;
  start: Date;
  end: Date;
}

export interface OnCallAnswer {
  schedule: string;
  now?: Shift;
  next?: Shift;
}

/** Fetches a feed's text; given by the composition root (the shared HTTP client with its SSRF guard). */
export type FetchText = (url: string) => Promise<string>;

interface CachedFeed {
  fetchedAt: number;
  shifts: Shift[];
}

const LOOK_BEHIND_MS = 31 * 86_400_000;
const LOOK_AHEAD_MS = 92 * 86_400_000;

export class OnCallSchedules {
  private readonly feeds = new Map<string, CachedFeed>();

  constructor(
    private readonly config: OnCallConfig,
    private readonly fetchText: FetchText,
    private readonly clock: () => number = Date.now,
  ) {}

  names(): string[] {
    return Object.keys(this.config.schedules);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.config.schedules, name);
  }

  /** Who is on call at `at` and who comes next. */
  async who(name: string, at = new Date(this.clock())): Promise<OnCallAnswer> {
    const schedule = this.config.schedules[name];
    if (!schedule) {
      const known = this.names();
      throw new UserFacingError(
        `There is no on-call schedule ${name}.${known.length ? ` Known: ${known.join(', ')}.` : ' None is configured (oncall.schedules).'}`,
      );
    }
    const shifts = await this.shifts(name, at, new Date(at.getTime() + LOOK_AHEAD_MS));
    const now = shifts.find((s) => s.start <= at && at < s.end);
    const next = shifts.find((s) => s.start > at && (!now || s.start >= now.end || s.person !== now.person));
    return { schedule: name, now, next };
  }

  /** Every shift of a schedule that overlaps [from, to), in order. */
  async shifts(name: string, from: Date, to: Date): Promise<Shift[]> {
    const schedule = this.config.schedules[name];
    if (!schedule) throw new NotFoundError(`no on-call schedule ${name}`);
    if (schedule.rotation) return rotationShifts(schedule.rotation, from, to);
    const feed = await this.feed(name, schedule.ics!);
    return feed.filter((s) => s.end > from && s.start < to);
  }

  private async feed(name: string, ics: NonNullable<ScheduleConfig['ics']>): Promise<Shift[]> {
    const now = this.clock();
    const cached = this.feeds.get(name);
    if (cached && now - cached.fetchedAt < ics.refresh) return cached.shifts;
    let text: string;
    try {
      text = await this.fetchText(ics.url.replace(/^webcal:/i, 'https:'));
    } catch (error) {
      // A feed that is briefly away must not stop an escalation: the last copy is better than none.
      if (cached) return cached.shifts;
      throw new TransientError(
        `the on-call feed of ${name} could not be fetched: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const shifts = await parseShifts(
      text,
      new Date(now - LOOK_BEHIND_MS),
      new Date(now + LOOK_AHEAD_MS),
      ics.strip,
    );
    this.feeds.set(name, { fetchedAt: now, shifts });
    return shifts;
  }
}

/** The shifts of a static rotation overlapping [from, to). */
export function rotationShifts(rotation: z.infer<typeof Rotation>, from: Date, to: Date): Shift[] {
  const origin = Date.parse(rotation.start);
  const { shift, members } = rotation;
  const first = Math.max(0, Math.floor((from.getTime() - origin) / shift));
  const out: Shift[] = [];
  for (let index = first; origin + index * shift < to.getTime(); index++) {
    const start = origin + index * shift;
    out.push({
      person: members[index % members.length]!,
      start: new Date(start),
      end: new Date(start + shift),
    });
  }
  return out;
}

/**
 * Shifts from an ICS text, recurrences expanded (RRULE, EXDATE, RECURRENCE-ID overrides, time
 * zones) by node-ical. Imported here, on first use, so a process without ICS schedules never
 * loads it.
 */
export async function parseShifts(text: string, from: Date, to: Date, strip?: string): Promise<Shift[]> {
  const ical = (await import('node-ical')).default;
  let parsed: ReturnType<typeof ical.sync.parseICS>;
  try {
    parsed = ical.sync.parseICS(text);
  } catch (error) {
    throw new TransientError(`the on-call feed is not valid iCalendar: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const shifts: Shift[] = [];
  for (const component of Object.values(parsed)) {
    if (component?.type !== 'VEVENT') continue;
    const event = component as import('node-ical').VEvent;
    if (event.status === 'CANCELLED') continue;
    for (const instance of ical.expandRecurringEvent(event, { from, to, expandOngoing: true })) {
      const summary = typeof instance.summary === 'string' ? instance.summary : instance.summary.val;
      const person = (strip ? summary.split(strip).join('') : summary).trim();
      if (person === '') continue;
      const start = new Date(instance.start.getTime());
      const end = new Date(instance.end.getTime());
      if (end > from && start < to) shifts.push({ person, start, end });
    }
  }
  return shifts.sort((a, b) => a.start.getTime() - b.start.getTime());
}
