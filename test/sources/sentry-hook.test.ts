import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { IncidentStore } from '../../src/workflows/incidents.js';
import { shownText } from '../platforms/slack/support.js';
import { startTestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { AlertSourceRig } from '../support/sources.js';
import { waitFor } from '../support/wait.js';

const CLIENT_SECRET = '6f1f3a9c0e8b4d2a9c7e5b3d1f0a8c6e4b2d0f9e7c5a3b1d9f7e5c3a1b0d8f6e';
const ROTATED_SECRET = 'b9d7f5e3c1a0b8d6f4e2c0a9b7d5f3e1c0a8b6d4f2e0c9a7b5d3f1e0c8a6b4d2';

let issues = 0;
/** A Sentry issue id no other test (or run) uses. */
const newIssue = () => `${1_117_540_000 + (process.pid % 10_000) * 100 + ++issues}`;

/** An issue alert as Sentry's docs show it (`Sentry-Hook-Resource: event_alert`), trimmed of the stack trace. */
function eventAlert(
  issueId: string,
  options: { level?: string; title?: string } = {},
): Record<string, unknown> {
  const eventId = randomUUID().replaceAll('-', '');
  return {
    action: 'triggered',
    actor: { id: 'sentry', name: 'Sentry', type: 'application' },
    data: {
      event: {
        _ref: 1,
        _ref_version: 2,
        contexts: { browser: { name: 'Chrome', type: 'browser', version: '75.0.3770' } },
        culprit: '?(<anonymous>)',
        datetime: '2026-11-29T16:06:17.677000Z',
        dist: null,
        event_id: eventId,
        exception: {
          values: [
            {
              type: 'ReferenceError',
              value: 'heck is not defined',
              mechanism: { type: 'onerror', handled: false },
            },
          ],
        },
        fingerprint: ['{{ default }}'],
        hashes: ['29f7ffc4903a8a990408b80a3b4c95a2'],
        issue_url: `https://sentry.io/api/0/issues/${issueId}/`,
        issue_id: issueId,
        key_id: '667532',
        level: options.level ?? 'error',
        location: '<anonymous>',
        logger: '',
        message: '',
        metadata: { filename: '<anonymous>', type: 'ReferenceError', value: 'heck is not defined' },
        platform: 'javascript',
        project: 1,
        received: 1764432377.677,
        release: null,
        sdk: { name: 'sentry.javascript.browser', version: '8.40.0' },
        tags: [
          ['browser', 'Chrome 75.0.3770'],
          ['environment', 'production'],
          ['handled', 'no'],
          ['level', options.level ?? 'error'],
          ['service', 'checkout-web'],
          ['url', 'https://shop.example.com/checkout'],
        ],
        timestamp: 1764432377.677,
        title: options.title ?? 'ReferenceError: heck is not defined',
        type: 'error',
        url: `https://sentry.io/api/0/projects/test-org/front-end/events/${eventId}/`,
        user: { ip_address: '192.0.2.10' },
        version: '7',
        web_url: `https://sentry.io/organizations/test-org/issues/${issueId}/events/${eventId}/`,
      },
      triggered_rule: 'Checkout errors page the on-call',
      issue_alert: { title: 'Checkout errors page the on-call', settings: [] },
    },
    installation: { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' },
  };
}

/** An issue webhook (`Sentry-Hook-Resource: issue`), as Sentry's docs show it. */
function issueChange(action: string, issueId: string): Record<string, unknown> {
  return {
    action,
    actor: { id: 'sentry', name: 'Sentry', type: 'application' },
    data: {
      issue: {
        annotations: [],
        assignedTo: null,
        count: '12',
        culprit: '?(runner)',
        firstSeen: '2026-11-29T15:58:37.391000Z',
        id: issueId,
        lastSeen: '2026-11-29T16:20:37.391000Z',
        level: 'error',
        metadata: { type: 'ReferenceError', value: 'heck is not defined' },
        platform: 'javascript',
        project: { id: '1', name: 'front-end', platform: '', slug: 'front-end' },
        shortId: 'FRONT-END-9',
        status: action === 'resolved' ? 'resolved' : 'unresolved',
        statusDetails: {},
        substatus: action === 'resolved' ? null : 'ongoing',
        title: 'ReferenceError: heck is not defined',
        type: 'error',
        url: `https://sentry.io/api/0/issues/${issueId}/`,
        web_url: `https://sentry.io/organizations/test-org/issues/${issueId}/`,
      },
    },
    installation: { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' },
  };
}

/** The headers Sentry sends with a body, signed with `secret`. */
function sentryHeaders(
  resource: string,
  body: string,
  options: { secret?: string; requestId?: string } = {},
): Record<string, string> {
  return {
    'request-id': options.requestId ?? randomUUID(),
    'sentry-hook-resource': resource,
    'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
    'sentry-hook-signature': createHmac('sha256', options.secret ?? CLIENT_SECRET)
      .update(body)
      .digest('hex'),
  };
}

describe('POST /hooks/sentry', () => {
  let rig: AlertSourceRig;
  let store: IncidentStore;
  const redis = testRedis();

  beforeAll(async () => {
    rig = await AlertSourceRig.start(
      'sentry-hook',
      `  sentry:
    client_secret: ["${CLIENT_SECRET}", "${ROTATED_SECRET}"]
`,
    );
    store = new IncidentStore(redis, rig.prefix);
  });
  afterAll(async () => {
    await rig.close();
    redis.disconnect();
  });

  /** Posts a body signed as Sentry signs it. */
  const send = (
    resource: string,
    payload: unknown,
    options: { secret?: string; requestId?: string } = {},
  ) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return rig.post('/hooks/sentry', body, sentryHeaders(resource, body, options));
  };

  it('opens one incident for an issue alert, with its card in Slack, and pages once', async () => {
    const issue = newIssue();
    const answer = await send('event_alert', eventAlert(issue));
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ status: 'triggered', opened: true });
    const id = String(answer.json.incident);

    expect(await store.get(id)).toMatchObject({
      title: 'ReferenceError: heck is not defined',
      severity: 'error',
      service: 'checkout-web',
      source: 'sentry',
      labels: {
        environment: 'production',
        issue_id: issue,
        rule: 'Checkout errors page the on-call',
        url: 'https://shop.example.com/checkout',
      },
      links: [{ label: 'Sentry issue', url: `https://sentry.io/organizations/test-org/issues/${issue}/` }],
      createdBy: 'sentry',
    });

    const [card] = await waitFor(() => (rig.cards(id).length > 0 ? rig.cards(id) : undefined), {
      what: 'the incident card in Slack',
    });
    const shown = shownText(card);
    expect(shown).toContain(`${id}: ReferenceError: heck is not defined`);
    expect(shown).toContain('environment=production');
    expect(JSON.stringify(card!.blocks)).toContain(
      `https://sentry.io/organizations/test-org/issues/${issue}/`,
    );

    const [trigger] = await waitFor(
      () => (rig.pages(id, 'trigger').length > 0 ? rig.pages(id, 'trigger') : undefined),
      { what: 'the PagerDuty trigger' },
    );
    expect(trigger).toMatchObject({
      payload: { summary: 'ReferenceError: heck is not defined', severity: 'error', source: 'checkout-web' },
      links: [{ href: `https://sentry.io/organizations/test-org/issues/${issue}/`, text: 'Sentry issue' }],
    });
  });

  it('updates the open incident when the rule fires again for the issue, paging nobody twice', async () => {
    const issue = newIssue();
    const id = String((await send('event_alert', eventAlert(issue))).json.incident);
    await waitFor(() => rig.pages(id, 'trigger').length === 1, { what: 'the first trigger' });
    const before = await rig.stored();
    const again = await send('event_alert', eventAlert(issue, { level: 'fatal' }));
    expect(again.json).toEqual({ incident: id, status: 'triggered', opened: false });
    expect(await rig.stored()).toBe(before);

    await send('issue', issueChange('resolved', issue));
    await waitFor(() => rig.pages(id, 'resolve').length === 1, { what: 'the PagerDuty resolve' });
    expect(rig.pages(id, 'trigger')).toHaveLength(1);
    await waitFor(() => rig.cards(id).some((m) => shownText(m).includes('Resolved')), {
      what: 'the one card showing the incident resolved',
    });
    expect(rig.cards(id)).toHaveLength(1);
  });

  it('answers a delivery Sentry sends again (same Request-ID) as the first time', async () => {
    const issue = newIssue();
    const requestId = randomUUID();
    const body = JSON.stringify(eventAlert(issue));
    const first = await send('event_alert', body, { requestId });
    const repeat = await send('event_alert', body, { requestId });
    expect(repeat.json).toEqual({ ...first.json, duplicate: true });
  });

  it('resolves the incident when the issue is resolved, and a regression opens a new one', async () => {
    const issue = newIssue();
    const first = String((await send('event_alert', eventAlert(issue))).json.incident);
    const resolved = await send('issue', issueChange('resolved', issue));
    expect(resolved.json).toEqual({ incident: first, status: 'resolved', resolved: true });
    expect((await store.get(first)).history.at(-1)).toMatchObject({ action: 'resolved', by: 'sentry' });
    await waitFor(() => rig.pages(first, 'resolve').length === 1, { what: 'the PagerDuty resolve' });
    await waitFor(() => rig.cards(first).some((m) => shownText(m).includes('Resolved')), {
      what: 'the card showing the incident resolved',
    });

    expect((await send('issue', issueChange('resolved', issue))).json).toEqual({
      incident: first,
      status: 'resolved',
      resolved: false,
    });
    const regressed = await send('event_alert', eventAlert(issue));
    expect(regressed.json).toMatchObject({ status: 'triggered', opened: true });
    expect(regressed.json.incident).not.toBe(first);
  });

  it('takes the severity from the event level, else the configured default', async () => {
    const severity = async (level: string) => {
      const answer = await send('event_alert', eventAlert(newIssue(), { level }));
      return (await store.get(String(answer.json.incident))).severity;
    };
    expect(await severity('fatal')).toBe('critical');
    expect(await severity('warning')).toBe('warning');
    expect(await severity('debug')).toBe('info');
    expect(await severity('sample')).toBe('error');
  });

  it('acknowledges resources and actions that open or resolve nothing', async () => {
    const issue = newIssue();
    for (const [resource, payload] of [
      ['installation', { action: 'created', data: { installation: { uuid: 'a8e5d37a' } } }],
      ['comment', { action: 'created', data: { comment: 'looking', issue_id: 1 } }],
      ['issue', issueChange('assigned', issue)],
      ['issue', issueChange('resolved', newIssue())],
    ] as const) {
      const answer = await send(resource, payload);
      expect(answer, `${resource} ${JSON.stringify(payload.action)}`).toMatchObject({
        status: 202,
        json: { ignored: true },
      });
    }
  });

  it('accepts the rotated client secret too', async () => {
    expect((await send('event_alert', eventAlert(newIssue()), { secret: ROTATED_SECRET })).status).toBe(202);
  });

  it('refuses an unsigned, wrongly signed or altered delivery with 401', async () => {
    const before = await rig.stored();
    const body = JSON.stringify(eventAlert(newIssue()));
    const signed = sentryHeaders('event_alert', body);
    const altered = body.replace('heck is not defined', 'heck is defined');
    const cases: Array<[string, Record<string, string>]> = [
      [body, { ...signed, 'sentry-hook-signature': '' }],
      [body, Object.fromEntries(Object.entries(signed).filter(([name]) => name !== 'sentry-hook-signature'))],
      [body, sentryHeaders('event_alert', body, { secret: 'not-the-client-secret' })],
      [altered, signed],
      [body, { ...signed, 'sentry-hook-signature': `sha256=${signed['sentry-hook-signature']}` }],
    ];
    for (const [sent, headers] of cases) {
      const answer = await rig.post('/hooks/sentry', sent, headers);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: { code: 'bad_signature' } });
      expect(JSON.stringify(answer.json)).not.toContain(CLIENT_SECRET);
    }
    expect(await rig.stored()).toBe(before);
    expect(rig.app.logs()).not.toContain(CLIENT_SECRET);
  });

  it('answers 400 naming the missing header or the wrong field', async () => {
    const body = JSON.stringify(eventAlert(newIssue()));
    const headers = sentryHeaders('event_alert', body);
    delete headers['sentry-hook-resource'];
    const noResource = await rig.post('/hooks/sentry', body, headers);
    expect(noResource.status).toBe(400);
    expect(noResource.json).toMatchObject({ error: { code: 'bad_body', field: 'Sentry-Hook-Resource' } });

    const alert = eventAlert(newIssue()) as { data: { event: Record<string, unknown> } };
    const cases: Array<[string, unknown, string]> = [
      [
        'event_alert',
        { ...alert, data: { ...alert.data, event: { ...alert.data.event, issue_id: undefined } } },
        'data.event.issue_id',
      ],
      [
        'event_alert',
        { ...alert, data: { ...alert.data, event: { ...alert.data.event, issue_id: '' } } },
        'data.event.issue_id',
      ],
      ['event_alert', { ...alert, data: {} }, 'data.event'],
      ['issue', { action: 'resolved', data: { issue: { title: 'x' } } }, 'data.issue.id'],
    ];
    for (const [resource, payload, field] of cases) {
      const answer = await send(resource, payload);
      expect(answer.status, field).toBe(400);
      expect(answer.json).toMatchObject({ error: { code: 'bad_body', field } });
    }
    expect((await send('event_alert', '{not json')).status).toBe(400);
  });
});

describe('POST /hooks/sentry while it is off', () => {
  it('tells the sender what turns it on', async () => {
    const prefix = uniquePrefix('sentry-off');
    const t = await startTestApp(testConfig(prefix, ''));
    try {
      const body = JSON.stringify(eventAlert(newIssue()));
      const response = await request(`${t.app.url}/hooks/sentry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sentryHeaders('event_alert', body) },
        body,
      });
      expect(response.statusCode).toBe(404);
      expect(await response.body.json()).toMatchObject({
        error: { code: 'hook_off', message: expect.stringContaining('inbound.sentry.client_secret') },
      });
    } finally {
      await t.close();
      await dropPrefix(prefix);
    }
  });
});

describe('inbound.sentry in the config', () => {
  it('is on once a client secret is set, and keeps it out of logs as a secret', () => {
    const loaded = parseConfigText(`inbound: { sentry: { client_secret: "${CLIENT_SECRET}" } }`, {});
    expect(loaded.config.inbound.sentry).toEqual({
      enabled: true,
      client_secret: [CLIENT_SECRET],
      severity: 'error',
    });
    expect(loaded.secrets).toContain(CLIENT_SECRET);
  });

  it('is off without a client secret, and refuses enabled: true without one, naming the key', () => {
    expect(parseConfigText('integrations: {}', {}).config.inbound.sentry.enabled).toBe(false);
    expect(() => parseConfigText('inbound: { sentry: { enabled: true } }', {})).toThrow(
      /inbound\.sentry\.client_secret: is required while POST \/hooks\/sentry is enabled/,
    );
  });
});
