import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connectors/connector.js';
import { isPager, isPolledPager, type Pager, type PolledPager } from '../../src/connectors/paging/pager.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { AuthError, RateLimitedError, TransientError, ValidationError } from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import { API_TOKEN, FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { specEvent, startTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { stored } from './support.js';

const http = new HttpClient({ allowPrivateNetworks: true });
afterAll(() => http.close());

function block(fake: FakePagerDuty, extra = ''): string {
  return `integrations:
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${fake.eventsUrl}"
    api_url: "${fake.baseUrl}"
    alert_on: [implementation_failed, validation_failed, implementation_completed, incident_escalated]
    retry_count: 0
${extra}`;
}

async function connectorFor(yaml: string): Promise<Connector & Pager> {
  const registry = await ConnectorRegistry.fromConfig(testConfig('unused', yaml).config, { http });
  const connector = registry.get('pagerduty');
  if (!connector || !isPager(connector)) throw new Error('no PagerDuty pager was built');
  return connector;
}

async function polledFor(yaml: string): Promise<Connector & PolledPager> {
  const connector = await connectorFor(yaml);
  if (!isPolledPager(connector)) throw new Error('PagerDuty cannot be polled');
  return connector;
}

describe('reading an incident back through the REST API (the status-polling fallback)', () => {
  let fake: FakePagerDuty;
  beforeEach(async () => {
    fake = await FakePagerDuty.start();
  });
  afterEach(() => fake.close());

  it('reads the status by incident_key with the REST headers, and who changed it', async () => {
    const pager = await polledFor(block(fake, `    api_token: "${API_TOKEN}"\n`));
    const key = 'threadline:incident:INC-40';
    await pager.trigger({ dedupKey: key, summary: 'Checkout API is down' });
    const incidentId = fake.alerts.get(key)!.incidentId;
    expect(await pager.status(key)).toEqual({
      status: 'triggered',
      reference: incidentId,
      by: 'Threadline (Events API v2)',
    });
    fake.changeInPagerDuty(key, 'acknowledged', 'Ana Oncall');
    expect(await pager.status(key)).toEqual({
      status: 'acknowledged',
      reference: incidentId,
      by: 'Ana Oncall',
    });
    const read = fake.incidentReads().at(-1)!;
    expect(read.query.get('incident_key')).toBe(key);
    expect(read.query.get('date_range')).toBe('all');
    expect(read.headers.authorization).toBe(`Token token=${API_TOKEN}`);
    expect(read.headers.accept).toBe('application/vnd.pagerduty+json;version=2');
    expect(await pager.status('threadline:incident:INC-unknown')).toBeUndefined();
  });

  it('polls only with an api_token: every minute by default, never with poll_interval: 0', async () => {
    expect((await polledFor(block(fake))).polling).toBeUndefined();
    expect((await polledFor(block(fake, `    api_token: "${API_TOKEN}"\n`))).polling).toEqual({
      intervalMs: 60_000,
      resumeAfterMs: 3_600_000,
      credentials: 'integrations.pagerduty.api_token',
    });
    const custom = await polledFor(
      block(fake, `    api_token: "${API_TOKEN}"\n    poll_interval: 2m\n    poll_resume_after: 30m\n`),
    );
    expect(custom.polling).toMatchObject({ intervalMs: 120_000, resumeAfterMs: 1_800_000 });
    expect((await custom.check()).detail).toContain('status polled every 2m');
    const off = await polledFor(block(fake, `    api_token: "${API_TOKEN}"\n    poll_interval: 0\n`));
    expect(off.polling).toBeUndefined();
  });

  it('maps a refused token to AuthError naming api_token, and 429 to its wait', async () => {
    const pager = await polledFor(block(fake, `    api_token: "wrong-token-123456"\n`));
    const refused = await pager.status('threadline:incident:INC-41').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthError);
    expect(String(refused)).toContain('check integrations.pagerduty.api_token');
    expect(String(refused)).not.toContain('wrong-token-123456');
    fake.reply(
      {
        status: 429,
        headers: { 'ratelimit-reset': '30' },
        body: { error: { message: 'Rate Limit Exceeded' } },
      },
      { status: 429, headers: { 'retry-after': '5' }, body: { error: { message: 'Rate Limit Exceeded' } } },
    );
    const reset = await pager.status('k').catch((e: unknown) => e);
    expect((reset as RateLimitedError).retryAfterMs).toBe(30_000);
    const retry = await pager.status('k').catch((e: unknown) => e);
    expect((retry as RateLimitedError).retryAfterMs).toBe(5_000);
  });
});

describe('PagerDuty as a Pager', () => {
  let fake: FakePagerDuty;
  beforeEach(async () => {
    fake = await FakePagerDuty.start();
  });
  afterEach(() => fake.close());

  it('triggers, acknowledges and resolves one alert with the same dedup_key', async () => {
    const pager = await connectorFor(block(fake));
    const key = 'threadline:incident:INC-3';
    await pager.trigger({
      dedupKey: key,
      summary: 'Checkout API is down',
      severity: 'critical',
      source: 'checkout',
    });
    await pager.acknowledge(key, { by: 'Alex' });
    const receipt = await pager.resolve(key);
    expect(receipt).toMatchObject({
      dedupKey: key,
      summary: `PagerDuty resolve accepted (dedup_key ${key})`,
    });
    expect(fake.events().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', key],
      ['acknowledge', key],
      ['resolve', key],
    ]);
    expect(fake.alerts.get(key)?.status).toBe('resolved');
    expect(fake.pages).toBe(1);
    expect(fake.events()[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      client: 'Threadline',
      payload: { summary: 'Checkout API is down', severity: 'critical', source: 'checkout' },
    });
  });

  it('pages once when the same incident is triggered again', async () => {
    const pager = await connectorFor(block(fake));
    const incident = { dedupKey: 'threadline:incident:INC-4', summary: 'Disk full' };
    await pager.trigger(incident);
    await pager.trigger(incident);
    expect(fake.events()).toHaveLength(2);
    expect(fake.pages).toBe(1);
  });

  it('adds a note through the REST API when api_token and from_email are set', async () => {
    const pager = await connectorFor(
      block(fake, `    api_token: "${API_TOKEN}"\n    from_email: oncall@example.com\n`),
    );
    const key = 'threadline:incident:INC-5';
    await pager.trigger({ dedupKey: key, summary: 'Queue backlog' });
    const receipt = await pager.note(key, 'Escalated to the database team', { by: 'Alex' });
    expect(receipt.reference).toBe(fake.alerts.get(key)?.incidentId);
    expect(fake.alerts.get(key)?.notes).toEqual([
      { content: 'Escalated to the database team (Alex)', from: 'oncall@example.com' },
    ]);
  });

  it('refuses a note without the REST settings, naming them', async () => {
    const pager = await connectorFor(block(fake));
    await expect(pager.note('threadline:incident:INC-6', 'hello')).rejects.toThrow(
      /integrations\.pagerduty\.api_token and integrations\.pagerduty\.from_email/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('maps the Events API answers onto the error kinds', async () => {
    const pager = await connectorFor(block(fake));
    const incident = { dedupKey: 'threadline:incident:INC-8', summary: 'x' };
    const invalid = (errors: string[]) => ({
      status: 400,
      body: { status: 'invalid event', message: 'Event object is invalid', errors },
    });
    fake.reply(
      invalid(['payload.summary is too long']),
      invalid(['Invalid routing key']),
      { status: 403, body: { status: 'forbidden', message: `key ${ROUTING_KEY} refused` } },
      { status: 429, headers: { 'retry-after': '7' }, body: { status: 'throttle event' } },
      { status: 502, body: 'bad gateway' },
    );
    const invalidEvent = await pager.trigger(incident).catch((e: unknown) => e);
    expect(invalidEvent).toBeInstanceOf(ValidationError);
    expect(String(invalidEvent)).toContain('payload.summary is too long');
    const badKey = await pager.trigger(incident).catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(AuthError);
    expect(String(badKey)).toContain('check integrations.pagerduty.routing_key');
    const forbidden = await pager.trigger(incident).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(AuthError);
    expect(String(forbidden)).not.toContain(ROUTING_KEY);
    const throttled = await pager.trigger(incident).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(RateLimitedError);
    expect((throttled as RateLimitedError).retryAfterMs).toBe(7_000);
    expect(await pager.trigger(incident).catch((e: unknown) => e)).toBeInstanceOf(TransientError);
  });

  it('check() names the endpoint and what is on, without the key', async () => {
    const pager = await connectorFor(block(fake, '    webhook: { secret: "a-webhook-secret-1234" }\n'));
    const health = await pager.check();
    expect(health).toEqual({
      ok: true,
      detail: `Events API v2 at ${fake.baseUrl}/…, severity warning, 4 event(s); inbound webhooks verified; notes off (no api_token/from_email); status polling off (no api_token)`,
    });
  });
});

describe('PagerDuty as an event destination', () => {
  const prefix = uniquePrefix('pd-events');
  let fake: FakePagerDuty;
  let t: Awaited<ReturnType<typeof startTestApp>>;

  beforeEach(async () => {
    fake = await FakePagerDuty.start();
    t = await startTestApp(testConfig(prefix, block(fake)));
  });
  afterEach(async () => {
    await t.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  let n = 0;
  const id = (label: string) => `pd-${label}-${process.pid}-${++n}`;

  it('pages once for a spec that fails repeatedly: one dedup_key per spec', async () => {
    const failure = specEvent('implementation_failed', id('fail'), { error: 'tests failed' });
    const again = specEvent('validation_failed', id('fail'), { error: 'schema invalid' });
    expect((await t.post(failure)).status).toBe(202);
    expect((await t.post(again)).status).toBe(202);
    // The same event id again is a duplicate at ingress and sends nothing more.
    expect((await t.post(failure)).json).toMatchObject({ duplicate: true });
    await waitFor(() => fake.events().length === 2, { what: 'two triggers' });
    expect(fake.events().map((e) => e.dedup_key)).toEqual([
      'threadline:spec:FEAT-0001',
      'threadline:spec:FEAT-0001',
    ]);
    expect(fake.pages).toBe(1);
    expect(fake.alerts.get('threadline:spec:FEAT-0001')?.events).toHaveLength(2);
  });

  it('sends the configured severity, links and custom details; a SEV1 spec is critical', async () => {
    await t.post(
      specEvent('implementation_failed', id('links'), {
        spec: {
          id: 'FEAT-0002',
          title: 'Payments',
          severity: 'SEV1',
          url: 'https://specs.example.com/FEAT-0002',
        },
        repository: { owner: 'acme', name: 'shop' },
        pr: { number: 42, url: 'https://github.com/acme/shop/pull/42' },
        error: { message: 'build broke', logs_url: 'https://ci.example.com/runs/9' },
      }),
    );
    await t.post(specEvent('implementation_failed', id('regular'), { spec: { id: 'FEAT-0003' } }));
    await waitFor(() => fake.events().length === 2, { what: 'two triggers' });
    const [sev1, regular] = ['FEAT-0002', 'FEAT-0003'].map((spec) =>
      fake.events().find((e) => e.payload?.custom_details?.spec_id === spec),
    );
    expect(sev1).toMatchObject({
      dedup_key: 'threadline:spec:acme.shop.FEAT-0002',
      payload: {
        summary: 'Spec Implementation Failed: FEAT-0002 Payments',
        severity: 'critical',
        source: 'acme/shop',
        class: 'implementation_failed',
        custom_details: { spec_severity: 'SEV1', pr: '42', error: 'build broke', repository: 'acme/shop' },
      },
      links: [
        { href: 'https://github.com/acme/shop/pull/42', text: 'Pull request #42' },
        { href: 'https://specs.example.com/FEAT-0002', text: 'Spec FEAT-0002' },
        { href: 'https://ci.example.com/runs/9', text: 'Logs' },
      ],
    });
    expect(regular?.payload?.severity).toBe('warning');
  });

  it('resolves the spec alert when a success event in alert_on arrives', async () => {
    await t.post(specEvent('implementation_failed', id('open')));
    await waitFor(() => fake.alerts.get('threadline:spec:FEAT-0001')?.status === 'triggered', {
      what: 'the alert',
    });
    await t.post(specEvent('implementation_completed', id('done')));
    await waitFor(() => fake.alerts.get('threadline:spec:FEAT-0001')?.status === 'resolved', {
      what: 'the alert resolved',
    });
    expect(fake.events().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('follows an incident through its events: trigger, acknowledge, resolve on one dedup_key', async () => {
    const yaml = block(fake).replace(
      'alert_on: [implementation_failed, validation_failed, implementation_completed, incident_escalated]',
      'alert_on: [incident_triggered, incident_acknowledged, incident_resolved]',
    );
    await t.close();
    t = await startTestApp(testConfig(prefix, yaml));
    const key = 'threadline:incident:INC-40';
    const step = async (event: string, status: string, wanted: string) => {
      const incident = { id: 'INC-40', title: 'Payments timing out', severity: 'critical', status };
      await t.post({ id: id(event), event, incident, spec: { id: 'INC-40', title: 'Payments timing out' } });
      // Each step waits for the last: deliveries of different events are not ordered.
      await waitFor(() => fake.alerts.get(key)?.status === wanted, { what: `the alert ${wanted}` });
    };
    await step('incident_triggered', 'triggered', 'triggered');
    await step('incident_acknowledged', 'acknowledged', 'acknowledged');
    await step('incident_resolved', 'resolved', 'resolved');
    expect(fake.events().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', key],
      ['acknowledge', key],
      ['resolve', key],
    ]);
    expect(fake.events()[0]?.payload).toMatchObject({ summary: 'Payments timing out', severity: 'critical' });
    expect(fake.pages).toBe(1);
  });

  it("re-triggers an escalated incident's alert without paging again", async () => {
    const incident = { id: 'INC-21', title: 'Checkout down', severity: 'error', status: 'triggered' };
    const spec = { id: 'INC-21', title: 'Checkout down' };
    fake.alerts.set('threadline:incident:INC-21', {
      dedupKey: 'threadline:incident:INC-21',
      status: 'triggered',
      events: [],
      incidentId: 'PINC21',
      number: 21,
      notes: [],
      changedBy: 'Threadline (Events API v2)',
    });
    await t.post({ id: id('esc'), event: 'incident_escalated', incident, spec });
    await waitFor(() => fake.events().length === 1, { what: 'the re-trigger' });
    expect(fake.events()[0]).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'threadline:incident:INC-21',
      payload: { summary: 'Checkout down', severity: 'error' },
    });
    expect(fake.pages).toBe(0);
  });
});

describe('stored events become PagerDuty alerts', () => {
  it('keeps keys within what every pager accepts, hashing anything else', async () => {
    const fake = await FakePagerDuty.start();
    try {
      const pager = await connectorFor(block(fake));
      const odd = stored({ event: 'implementation_failed', spec: { id: 'FEAT 9/ünïcode' } });
      await pager.deliver(odd, { deliveryId: 'd1', attempt: 1 });
      expect(fake.events()[0]?.dedup_key).toMatch(/^threadline:spec:sha256-[0-9a-f]{40}$/);
    } finally {
      await fake.close();
    }
  });
});
