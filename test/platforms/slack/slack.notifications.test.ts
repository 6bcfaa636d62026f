import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../fakes/slack-api.js';
import { specEvent, startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { shownText, slackYaml } from './support.js';

let slack: FakeSlack;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: ['C0NOTIFY'] });
  prefix = uniquePrefix('slack-notify');
  app = await startTestApp(
    testConfig(
      prefix,
      `${slackYaml(slack)}
integrations:
  slack:
    enabled: true
    channel: "C0NOTIFY"
    notify_on: [implementation_started, implementation_completed]
`,
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await dropPrefix(prefix);
});

describe('event notifications through the Slack bot', () => {
  it('threads the events of one spec under its card, one message a second', async () => {
    expect(
      (await app.post(specEvent('implementation_started', 'sl-1', { branch: 'spec/feat-0001' }))).status,
    ).toBe(202);
    expect(
      (await app.post(specEvent('implementation_completed', 'sl-2', { pr: { number: 42 } }))).status,
    ).toBe(202);
    const parent = await waitFor(() => slack.history('C0NOTIFY').find((m) => !m.thread_ts));
    expect(shownText(parent)).toContain('FEAT-0001');
    const replies = await waitFor(
      () =>
        slack.replies('C0NOTIFY', parent.ts).length === 2 ? slack.replies('C0NOTIFY', parent.ts) : undefined,
      { what: 'both events in the thread', timeoutMs: 15_000 },
    );
    expect(shownText(replies[0])).toContain('Spec Implementation Started');
    expect(shownText(replies[1])).toContain('Spec Implementation Completed');
    await waitFor(() => shownText(slack.message('C0NOTIFY', parent.ts)).includes('Completed'), {
      what: 'the card at its latest state',
    });
    const times = slack.history('C0NOTIFY').map((m) => m.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
  });
});
