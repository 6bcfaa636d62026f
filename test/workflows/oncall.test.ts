import type { Server } from 'node:http';
import ical from 'node-ical';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCallSchedules } from '../../src/assemble-escalations.js';
import { parseConfigText } from '../../src/config/load.js';
import { HttpClient } from '../../src/net/http-client.js';
import type { OnCallSchedules } from '../../src/workflows/oncall.js';
import { listenLoopback } from '../fakes/loopback.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { postSlack, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/*
 * A feed as an on-call tool publishes it: two people alternating weekly, handing over at 09:00
 * Berlin time (08:00 UTC in winter, 07:00 UTC in summer), each written as one event repeating
 * every two weeks, with one of Bob's weeks cancelled and taken by Carol.
 */
const FEED = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//On-call export//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:alice-weeks@example.com
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260105T090000
DTEND;TZID=Europe/Berlin:20260112T090000
RRULE:FREQ=WEEKLY;INTERVAL=2
SUMMARY:On call: Alice
END:VEVENT
BEGIN:VEVENT
UID:bob-weeks@example.com
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260112T090000
DTEND;TZID=Europe/Berlin:20260119T090000
RRULE:FREQ=WEEKLY;INTERVAL=2
EXDATE;TZID=Europe/Berlin:20260713T090000
SUMMARY:On call: Bob
END:VEVENT
BEGIN:VEVENT
UID:carol-cover@example.com
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260713T090000
DTEND;TZID=Europe/Berlin:20260720T090000
SUMMARY:On call: Carol
END:VEVENT
END:VCALENDAR
`;

let feedServer: Server;
let feedUrl: string;
let feedRequests = 0;

beforeAll(async () => {
  const { server, baseUrl } = await listenLoopback((req, res) => {
    feedRequests += 1;
    if (req.url !== '/oncall.ics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' }).end(FEED);
  });
  feedServer = server;
  feedUrl = `${baseUrl}/oncall.ics`;
});

afterAll(async () => {
  await new Promise((resolve) => feedServer.close(resolve));
});

const SCHEDULES = () => `
oncall:
  schedules:
    primary:
      ics: { url: "${feedUrl}", strip: "On call: ", refresh: 1h }
    secondary:
      rotation: { members: [dana, erik, fay], start: "2026-01-05T09:00:00Z", shift: 1d }
`;

function schedulesAt(iso: string): { schedules: OnCallSchedules; close: () => Promise<void> } {
  const { config } = testConfig(uniquePrefix('oncall'), SCHEDULES());
  const http = new HttpClient({ allowPrivateNetworks: true });
  const at = Date.parse(iso);
  // A fixed clock, so the feed is read around that day.
  const schedules = onCallSchedules(config, http, () => at);
  return { schedules, close: () => http.close() };
}

describe('on-call schedules', () => {
  it('reads who is on call from an ICS feed, recurrences and the time zone applied', async () => {
    const summer = schedulesAt('2026-07-06T07:30:00Z');
    try {
      // Monday 6 July 2026, 09:30 in Berlin: Alice's fortnightly week began at 07:00 UTC.
      const answer = await summer.schedules.who('primary', new Date('2026-07-06T07:30:00Z'));
      expect(answer.now).toEqual({
        person: 'Alice',
        start: new Date('2026-07-06T07:00:00Z'),
        end: new Date('2026-07-13T07:00:00Z'),
      });
      // Bob's week of 13 July is cancelled (EXDATE); Carol covers it.
      expect(answer.next?.person).toBe('Carol');
      expect(answer.next?.start).toEqual(new Date('2026-07-13T07:00:00Z'));
      // Half an hour earlier it was still Bob's week.
      const before = await summer.schedules.who('primary', new Date('2026-07-06T06:30:00Z'));
      expect(before.now?.person).toBe('Bob');
    } finally {
      await summer.close();
    }
  });

  it('hands over at 08:00 UTC in winter, and fetches the feed once per refresh interval', async () => {
    const winter = schedulesAt('2026-11-30T12:00:00Z');
    try {
      const requestsBefore = feedRequests;
      const answer = await winter.schedules.who('primary', new Date('2026-11-30T12:00:00Z'));
      // 30 November 2026 is 47 weeks after 5 January: an odd week, Bob's.
      expect(answer.now).toMatchObject({ person: 'Bob', start: new Date('2026-11-30T08:00:00Z') });
      expect(answer.next).toMatchObject({ person: 'Alice', start: new Date('2026-12-07T08:00:00Z') });
      await winter.schedules.who('primary', new Date('2026-12-01T12:00:00Z'));
      expect(feedRequests - requestsBefore).toBe(1);
    } finally {
      await winter.close();
    }
  });

  it('walks a static rotation shift by shift, and knows nobody before it starts', async () => {
    const { schedules, close } = schedulesAt('2026-01-06T10:00:00Z');
    try {
      const answer = await schedules.who('secondary', new Date('2026-01-06T10:00:00Z'));
      expect(answer.now).toEqual({
        person: 'erik',
        start: new Date('2026-01-06T09:00:00Z'),
        end: new Date('2026-01-07T09:00:00Z'),
      });
      expect(answer.next?.person).toBe('fay');
      expect((await schedules.who('secondary', new Date('2026-01-08T09:00:00Z'))).now?.person).toBe('dana');
      const early = await schedules.who('secondary', new Date('2026-01-01T00:00:00Z'));
      expect(early.now).toBeUndefined();
      expect(early.next).toMatchObject({ person: 'dana', start: new Date('2026-01-05T09:00:00Z') });
    } finally {
      await close();
    }
  });

  it('names the schedules it knows when asked for another', async () => {
    const { schedules, close } = schedulesAt('2026-01-06T10:00:00Z');
    try {
      await expect(schedules.who('tertiary')).rejects.toThrow(
        'There is no on-call schedule tertiary. Known: primary, secondary.',
      );
    } finally {
      await close();
    }
  });
});

describe('the escalations and oncall config', () => {
  const parse = (yaml: string) => () => parseConfigText(yaml, {});

  it('refuses a step that targets an on-call schedule that does not exist, naming the field', () => {
    expect(
      parse(`
escalations:
  default_policy: main
  policies:
    main:
      steps:
        - { wait: 5m, notify: ["oncall:nobody"] }
`),
    ).toThrow(
      'escalations.policies.main.steps[0].notify[0]: names the on-call schedule nobody, which is not under oncall.schedules',
    );
  });

  it('refuses a wait that is not a duration, a step with nobody to reach, and an unknown default policy', () => {
    expect(
      parse(`
escalations:
  policies:
    main:
      steps:
        - { wait: soon, notify: [alice] }
`),
    ).toThrow(/escalations\.policies\.main\.steps\[0\]\.wait/);
    expect(
      parse(`
escalations:
  policies:
    main:
      steps:
        - { wait: 5m }
`),
    ).toThrow(/needs someone to notify or page: true/);
    expect(
      parse(`
escalations:
  default_policy: missing
  policies:
    main: { steps: [{ wait: 5m, notify: [alice] }] }
`),
    ).toThrow(/escalations\.default_policy.*names no policy/);
  });

  it('requires a token for the published calendar', () => {
    expect(parse('oncall: { calendar: { enabled: true } }')).toThrow(/oncall\.calendar\.token/);
  });
});

describe('/ops oncall and the published calendar', () => {
  const TOKEN = 'calendar-token-for-tests-0001';
  let slack: FakeSlack;
  let app: TestApp;
  let prefix: string;

  beforeAll(async () => {
    slack = await FakeSlack.start({ channels: ['C0ONCALL'] });
    prefix = uniquePrefix('oncall-app');
    app = await startTestApp(
      testConfig(
        prefix,
        `${slackYaml(slack)}
${SCHEDULES()}
  calendar: { enabled: true, token: "${TOKEN}", days: 3 }
escalations:
  default_policy: slow
  policies:
    slow:
      steps:
        - { wait: 1h, notify: ["oncall:secondary"], page: true }
`,
      ),
    );
  });

  afterAll(async () => {
    await app.close();
    await slack.close();
    await dropPrefix(prefix);
  });

  it('shows who is on call now and next for one schedule', async () => {
    const response = await postSlack(
      app.app.url,
      slashForm('oncall secondary', { channel_id: 'C0ONCALL', response_url: slack.responseUrl() }),
    );
    expect(response.status).toBe(200);
    const answer = await waitFor(
      () => slack.ephemerals.find((m) => JSON.stringify(m).includes('On call for secondary')),
      { what: 'the /ops oncall answer' },
    );
    const text = JSON.stringify(answer);
    expect(text).toMatch(/now: (dana|erik|fay) \(until /);
    expect(text).toMatch(/next: (dana|erik|fay) /);
  });

  it('publishes the rotations and every pending SLA deadline as an ICS feed', async () => {
    // An incident opened by any path (here POST /hooks/events) starts its timer.
    const opened = new Date();
    const accepted = await app.post({
      id: 'ext-incident-1.triggered',
      event: 'incident_triggered',
      timestamp: opened.toISOString(),
      incident: { id: 'EXT-1', title: 'Disk full on db-2', service: 'db' },
    });
    expect(accepted.status).toBe(202);
    const feed = await waitFor(
      async () => {
        const response = await request(`${app.app.url}/calendar/${TOKEN}/oncall.ics`);
        const body = await response.body.text();
        return response.statusCode === 200 && body.includes('EXT-1') ? { response, body } : undefined;
      },
      { what: 'the SLA deadline in the calendar' },
    );
    expect(feed.response.headers['content-type']).toBe('text/calendar; charset=utf-8');

    const events = Object.values(ical.sync.parseICS(feed.body)).filter(
      (c): c is ical.VEvent => c?.type === 'VEVENT',
    );
    const sla = events.find((e) => String(e.summary).includes('EXT-1'));
    expect(String(sla?.summary)).toBe('⏫ SLA: EXT-1 escalates to oncall:secondary, the pager');
    // ICS times have whole seconds.
    expect(sla?.start.getTime()).toBe(Math.floor(opened.getTime() / 1000) * 1000 + 3_600_000);
    const shifts = events.filter((e) => String(e.summary).startsWith('On call (secondary)'));
    // Three days of one-day shifts, the current one included.
    expect(shifts.length).toBeGreaterThanOrEqual(3);
    expect(events.some((e) => String(e.summary).startsWith('On call (primary): '))).toBe(true);
  });

  it('drops the deadline once an incident_acknowledged event arrives for it, as a pager webhook sends one', async () => {
    const accepted = await app.post({
      id: 'ext-incident-1.acknowledged',
      event: 'incident_acknowledged',
      origin: 'pagerduty',
      incident: { id: 'EXT-1', title: 'Disk full on db-2', status: 'acknowledged' },
    });
    expect(accepted.status).toBe(202);
    await waitFor(
      async () => {
        const response = await request(`${app.app.url}/calendar/${TOKEN}/oncall.ics`);
        const body = await response.body.text();
        return response.statusCode === 200 && !body.includes('EXT-1');
      },
      { what: 'the SLA deadline gone from the calendar' },
    );
  });

  it('answers 404 for any other token', async () => {
    const response = await request(`${app.app.url}/calendar/not-the-token-000000000/oncall.ics`);
    expect(response.statusCode).toBe(404);
    await response.body.text();
  });
});
