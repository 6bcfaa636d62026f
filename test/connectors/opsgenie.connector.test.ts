import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connectors/connector.js';
import { isPager, isPolledPager, type Pager, type PolledPager } from '../../src/connectors/paging/pager.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import { API_KEY, CreateAlertBody, FakeOpsgenie } from '../fakes/opsgenie.js';
import { specEvent, startTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const http = new HttpClient({ allowPrivateNetworks: true });
afterAll(() => http.close());

function block(apiUrl: string, extra = ''): string {
  return `integrations:
  opsgenie:
    enabled: true
    api_key: ${API_KEY}
    api_url: "${apiUrl}"
    alert_on: [implementation_failed, implementation_completed, incident_escalated]
    priority: P3
    tags: [spec-automation, ci-cd]
    retry_count: 0
${extra}`;
}

async function connectorFor(yaml: string): Promise<Connector & Pager> {
  const registry = await ConnectorRegistry.fromConfig(testConfig('unused', yaml).config, { http });
  const connector = registry.get('opsgenie');
  if (!connector || !isPager(connector)) throw new Error('no Opsgenie pager was built');
  return connector;
}

describe('Opsgenie as a Pager', () => {
  let fake: FakeOpsgenie;
  beforeEach(async () => {
    fake = await FakeOpsgenie.start();
  });
  afterEach(() => fake.close());

  it('creates, acknowledges, notes and closes one alert by its alias', async () => {
    const pager = await connectorFor(block(fake.baseUrl));
    const key = 'threadline:incident:INC-3';
    const created = await pager.trigger({
      dedupKey: key,
      summary: 'Checkout API is down',
      severity: 'critical',
      source: 'checkout',
      details: { incident_id: 'INC-3' },
      links: [{ url: 'https://status.example.com/checkout', label: 'Status' }],
    });
    expect(created.reference).toMatch(/^[0-9a-f-]{36}$/);
    await pager.acknowledge(key, { by: 'Alex' });
    await pager.note(key, 'Rolling back the deploy', { by: 'Alex' });
    await pager.resolve(key);
    const alert = fake.alerts.get(key);
    expect(alert).toMatchObject({ status: 'closed', acknowledged: true, count: 1 });
    expect(alert?.log.map((l) => [l.action, l.user])).toEqual([
      ['create', undefined],
      ['acknowledge', 'Alex'],
      ['notes', 'Alex'],
      ['close', undefined],
    ]);
    expect(alert?.notes).toEqual([{ note: 'Rolling back the deploy', user: 'Alex' }]);
    expect(alert?.created).toEqual({
      message: 'Checkout API is down',
      alias: key,
      priority: 'P1',
      source: 'Threadline',
      description: 'Status: https://status.example.com/checkout',
      entity: 'checkout',
      tags: ['spec-automation', 'ci-cd'],
      details: { incident_id: 'INC-3' },
    });
    const paths = fake.requests.map((r) => `${r.path}?${r.query}`);
    expect(paths.slice(1)).toEqual([
      '/v2/alerts/threadline%3Aincident%3AINC-3/acknowledge?identifierType=alias',
      '/v2/alerts/threadline%3Aincident%3AINC-3/notes?identifierType=alias',
      '/v2/alerts/threadline%3Aincident%3AINC-3/close?identifierType=alias',
    ]);
  });

  it('notifies once when the same incident is created again (Opsgenie counts it)', async () => {
    const pager = await connectorFor(block(fake.baseUrl));
    const incident = { dedupKey: 'threadline:incident:INC-4', summary: 'Disk full' };
    await pager.trigger(incident);
    await pager.trigger(incident);
    expect(fake.notifications).toBe(1);
    expect(fake.alerts.get(incident.dedupKey)?.count).toBe(2);
  });

  it('fits long text into the Alert API limits', async () => {
    const pager = await connectorFor(block(fake.baseUrl));
    await pager.trigger({
      dedupKey: 'threadline:incident:INC-5',
      summary: 'x'.repeat(500),
      details: { a: 'y'.repeat(5_000), b: 'z'.repeat(5_000) },
    });
    const created = fake.alerts.get('threadline:incident:INC-5')?.created;
    expect(CreateAlertBody.safeParse(created).success).toBe(true);
    expect(created?.message).toHaveLength(130);
  });

  it('maps the Alert API answers onto the error kinds', async () => {
    const pager = await connectorFor(block(fake.baseUrl));
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => ({
      status,
      headers,
      body: { message, took: 0.001, requestId: 'r' },
    });
    fake.reply(
      fail(422, 'Message can not be empty.'),
      fail(401, `Key ${API_KEY} is invalid`),
      fail(404, 'Alert does not exist'),
      fail(429, 'You are making too many requests!', {
        'x-ratelimit-state': 'THROTTLED',
        'x-ratelimit-period-in-sec': '60',
      }),
      fail(503, 'unavailable'),
    );
    const rejected = await pager.trigger({ dedupKey: 'k', summary: 's' }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ValidationError);
    expect(String(rejected)).toContain('Message can not be empty.');
    const refused = await pager.acknowledge('k').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthError);
    expect(String(refused)).toContain('check integrations.opsgenie.api_key');
    expect(String(refused)).not.toContain(API_KEY);
    expect(await pager.resolve('k').catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
    const throttled = await pager.note('k', 'n').catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(RateLimitedError);
    expect((throttled as RateLimitedError).retryAfterMs).toBe(60_000);
    expect(await pager.trigger({ dedupKey: 'k', summary: 's' }).catch((e: unknown) => e)).toBeInstanceOf(
      TransientError,
    );
  });

  it('check() says which region it talks to, without the key', async () => {
    const eu = await connectorFor(block('https://api.eu.opsgenie.com'));
    expect(await eu.check()).toEqual({
      ok: true,
      detail:
        'Alert API at https://api.eu.opsgenie.com (EU), priority P3, 3 event(s); no inbound webhooks; status polled every 1m',
    });
    expect(eu.accepts('implementation_failed')).toBe(true);
    expect(eu.accepts('spec_created')).toBe(false);
  });
});

describe('reading an alert back (the status-polling fallback)', () => {
  let fake: FakeOpsgenie;
  beforeEach(async () => {
    fake = await FakeOpsgenie.start();
  });
  afterEach(() => fake.close());

  async function polled(yaml: string): Promise<Connector & PolledPager> {
    const connector = await connectorFor(yaml);
    if (!isPolledPager(connector)) throw new Error('Opsgenie cannot be polled');
    return connector;
  }

  it('reads open, acknowledged and closed by alias, with who acted', async () => {
    const pager = await polled(block(fake.baseUrl));
    const key = 'threadline:incident:INC-31';
    await pager.trigger({ dedupKey: key, summary: 'Disk full' });
    const id = fake.alerts.get(key)!.id;
    expect(await pager.status(key)).toEqual({ status: 'triggered', reference: id });
    fake.changeInOpsgenie(key, 'acknowledge', 'ana@example.com');
    expect(await pager.status(key)).toEqual({ status: 'acknowledged', reference: id, by: 'ana@example.com' });
    fake.changeInOpsgenie(key, 'close', 'sam@example.com');
    expect(await pager.status(key)).toEqual({ status: 'resolved', reference: id, by: 'sam@example.com' });
    const read = fake.alertReads().at(-1)!;
    expect(read.path).toBe(`/v2/alerts/${encodeURIComponent(key)}`);
    expect(read.query.get('identifierType')).toBe('alias');
    expect(read.headers.authorization).toBe(`GenieKey ${API_KEY}`);
  });

  it('takes an alert Opsgenie has not created yet (404) as no status, and maps 401 and 429', async () => {
    const pager = await polled(block(fake.baseUrl));
    expect(await pager.status('threadline:incident:INC-404')).toBeUndefined();
    fake.reply(
      { status: 401, body: { message: 'Could not authenticate', took: 0, requestId: 'r1' } },
      { status: 429, headers: { 'x-ratelimit-period-in-sec': '60' }, body: { message: 'throttled' } },
    );
    const refused = await pager.status('k').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthError);
    expect(String(refused)).toContain('check integrations.opsgenie.api_key');
    expect(String(refused)).not.toContain(API_KEY);
    const throttled = await pager.status('k').catch((e: unknown) => e);
    expect((throttled as RateLimitedError).retryAfterMs).toBe(60_000);
  });

  it('is polled every minute by default, and not at all with poll_interval: 0', async () => {
    expect((await polled(block(fake.baseUrl))).polling).toEqual({
      intervalMs: 60_000,
      resumeAfterMs: 3_600_000,
      credentials: 'integrations.opsgenie.api_key',
    });
    const off = await polled(block(fake.baseUrl, '    poll_interval: 0\n'));
    expect(off.polling).toBeUndefined();
    expect((await off.check()).detail).toContain('status polling off (poll_interval 0)');
  });
});

describe('Opsgenie as an event destination', () => {
  const prefix = uniquePrefix('og-events');
  let fake: FakeOpsgenie;
  let t: Awaited<ReturnType<typeof startTestApp>>;

  beforeEach(async () => {
    fake = await FakeOpsgenie.start();
    t = await startTestApp(testConfig(prefix, block(fake.baseUrl)));
  });
  afterEach(async () => {
    await t.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  let n = 0;
  const id = (label: string) => `og-${label}-${process.pid}-${++n}`;

  it('alerts once for a spec that fails repeatedly, with the configured priority and tags', async () => {
    await t.post(specEvent('implementation_failed', id('fail'), { error: 'tests failed' }));
    await t.post(specEvent('implementation_failed', id('fail'), { error: 'tests failed again' }));
    await waitFor(() => fake.alerts.get('threadline:spec:FEAT-0001')?.count === 2, { what: 'two creates' });
    expect(fake.notifications).toBe(1);
    expect(fake.alerts.get('threadline:spec:FEAT-0001')?.created).toMatchObject({
      message: 'Spec Implementation Failed: FEAT-0001 User Authentication',
      priority: 'P3',
      tags: ['spec-automation', 'ci-cd'],
      description: 'tests failed',
      entity: 'threadline',
      details: { spec_id: 'FEAT-0001', event: 'implementation_failed' },
    });
  });

  it('gives a SEV1 spec P1 and closes its alert when the spec succeeds', async () => {
    const spec = { id: 'FEAT-0009', title: 'Payments', severity: 'sev-1' };
    await t.post(specEvent('implementation_failed', id('sev1'), { spec }));
    await waitFor(() => fake.alerts.get('threadline:spec:FEAT-0009'), { what: 'the alert' });
    expect(fake.alerts.get('threadline:spec:FEAT-0009')?.created.priority).toBe('P1');
    await t.post(specEvent('implementation_completed', id('done'), { spec }));
    await waitFor(() => fake.alerts.get('threadline:spec:FEAT-0009')?.status === 'closed', {
      what: 'the close',
    });
  });

  it('records an escalation in Threadline as a note on the alert', async () => {
    const incident = { id: 'INC-30', title: 'Checkout down', severity: 'error', status: 'triggered' };
    const pager = await connectorFor(block(fake.baseUrl));
    await pager.trigger({ dedupKey: 'threadline:incident:INC-30', summary: 'Checkout down' });
    await t.post({ id: id('esc'), event: 'incident_escalated', incident, spec: { id: 'INC-30' } });
    await waitFor(() => fake.alerts.get('threadline:incident:INC-30')?.notes.length === 1, {
      what: 'the note',
    });
    expect(fake.alerts.get('threadline:incident:INC-30')?.notes[0]?.note).toBe(
      'Escalated in Threadline: Checkout down',
    );
  });
});
