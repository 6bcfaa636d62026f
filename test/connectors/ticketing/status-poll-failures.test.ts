import { describe, expect, it } from 'vitest';
import { TrackerPollState } from '../../../src/connectors/ticketing/poll-state.js';
import { AUTH_RETRY_MS, TrackerStatusPoller } from '../../../src/connectors/ticketing/status-poll.js';
import type { TicketingConnector } from '../../../src/connectors/ticketing/ticketing.connector.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../../fakes/jira.js';
import { testConfig } from '../../support/config.js';
import { capturingLogger } from '../../support/logs.js';
import { trackerHarness } from '../../support/tracker-harness.js';
import { waitFor } from '../../support/wait.js';

let jira: FakeJira;
let prefix = '';
const harness = trackerHarness({
  name: 'jira',
  label: 'status-poll-failures',
  start: async (p) => {
    prefix = p;
    jira = await FakeJira.start();
    return jira;
  },
});

/** A poller run by hand on a clock the test moves, with the tracker's connector from the harness. */
async function setup() {
  const connector: TicketingConnector = await harness.connector(`  jira:
    enabled: true
    base_url: "${jira.baseUrl}"
    email: "${JIRA_EMAIL}"
    api_token: "${JIRA_TOKEN}"
    project_key: "PROJ"
    poll_interval: 0`);
  const { logger, text } = capturingLogger(testConfig(prefix, ''));
  let now = Date.now();
  const poller = new TrackerStatusPoller({
    connector,
    state: () => new TrackerPollState(harness.redis, prefix, 'jira'),
    chat: () => undefined,
    intervalMs: 1_000,
    resumeAfterMs: 3_600_000,
    credentials: 'integrations.jira.email and integrations.jira.api_token',
    clock: () => now,
    logger,
  });
  await connector.tickets.open({ kind: 'request', id: 'poll-failures-1' }, { title: 'Checkout returns 500' });
  // A tick runs once this process has the cadence's turn.
  const tick = () => waitFor(() => poller.poll(), { what: 'a tick with the turn' });
  return { tick, text, advance: (ms: number) => (now += ms) };
}

describe('tracker status polling when the tracker refuses', () => {
  it('a refused read (401) warns once naming the secret, then waits instead of asking again each tick', async () => {
    const { tick, text, advance } = await setup();
    expect(await tick()).toBe('polled');
    jira.script('getIssue', {
      status: 401,
      body: { errorMessages: [`bad token ${JIRA_TOKEN}`], errors: {} },
    });
    expect(await tick()).toBe('auth_failed');
    const reads = jira.of('getIssue').length;
    expect(await tick()).toBe('auth_failed');
    expect(await tick()).toBe('auth_failed');
    expect(jira.of('getIssue')).toHaveLength(reads);
    const warnings = text()
      .split('\n')
      .filter((line) => line.includes('refused a status read'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('integrations.jira.api_token');
    expect(text()).not.toContain(JIRA_TOKEN);

    // After the wait one read is tried again; it works, and polling says so.
    advance(AUTH_RETRY_MS);
    expect(await tick()).toBe('polled');
    expect(jira.of('getIssue')).toHaveLength(reads + 1);
    expect(text()).toContain('accepts its credentials again');
  });

  it("a rate limit (429) waits Jira's Retry-After before the next read", async () => {
    const { tick, advance } = await setup();
    jira.script('getIssue', {
      status: 429,
      headers: { 'retry-after': '30' },
      body: { errorMessages: ['Rate limit'] },
    });
    expect(await tick()).toBe('rate_limited');
    const reads = jira.of('getIssue').length;
    expect(await tick()).toBe('rate_limited');
    expect(jira.of('getIssue')).toHaveLength(reads);
    advance(30_000);
    expect(await tick()).toBe('polled');
    expect(jira.of('getIssue')).toHaveLength(reads + 1);
  });
});
