import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specEvent, startWebhookApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

interface LogLine {
  level: number;
  msg: string;
  id?: string;
  event?: string;
  destinations?: string[];
  duplicate?: boolean;
}

const INFO = 30;

describe('the log line for each accepted event', () => {
  let app: Awaited<ReturnType<typeof startWebhookApp>>;
  let t: TestApp;

  beforeAll(async () => {
    app = await startWebhookApp(
      'accept-log',
      (url) => `      - { name: ci, url: "${url}/ci", events: [implementation_completed] }
      - { name: audit, url: "${url}/audit", events: [implementation_completed] }
`,
    );
    t = app.t;
  });

  afterAll(() => app.stop());

  /** This event's log lines, once there are at least `count` of them. */
  const linesFor = (id: string, count = 1): Promise<LogLine[]> =>
    waitFor(
      () => {
        const lines = t
          .logs()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as LogLine)
          .filter((line) => line.id === id);
        return lines.length >= count ? lines : undefined;
      },
      { what: `${count} log line(s) for ${id}` },
    );

  it('names the event, its id and every destination it is routed to, at info', async () => {
    const response = await t.post(specEvent('implementation_completed', 'accept-log-routed'));
    expect(response.status).toBe(202);
    const [line] = await linesFor('accept-log-routed');
    expect(line).toMatchObject({
      level: INFO,
      event: 'implementation_completed',
      destinations: ['webhooks.ci', 'webhooks.audit'],
      msg: 'event accepted: implementation_completed accept-log-routed → webhooks.ci, webhooks.audit',
    });
  });

  it('says that no destination is subscribed when the event goes nowhere', async () => {
    const response = await t.post(specEvent('implementation_failed', 'accept-log-nowhere'));
    expect(response.status).toBe(202);
    const [line] = await linesFor('accept-log-nowhere');
    expect(line).toMatchObject({ level: INFO, event: 'implementation_failed', destinations: [] });
    expect(line?.msg).toContain('no destination is subscribed to implementation_failed');
  });

  it('says that a repeated id is a duplicate and is not routed again', async () => {
    const first = await t.post(specEvent('implementation_completed', 'accept-log-twice'));
    const second = await t.post(specEvent('implementation_completed', 'accept-log-twice'));
    expect([first.json.duplicate, second.json.duplicate]).toEqual([false, true]);
    const lines = await linesFor('accept-log-twice', 2);
    expect(lines.map((line) => [line.level, line.duplicate ?? false])).toEqual([
      [INFO, false],
      [INFO, true],
    ]);
    expect(lines[1]?.msg).toContain('not routed again');
  });
});
