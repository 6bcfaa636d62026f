import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/workflows/incidents.js';
import { shownText } from '../platforms/slack/support.js';
import { testRedis } from '../support/redis.js';
import { AlertSourceRig } from '../support/sources.js';
import { waitFor } from '../support/wait.js';

const CLIENT_SECRET = '0d8f6e6f1f3a9c0e8b4d2a9c7e5b3d1f0a8c6e4b2d0f9e7c5a3b1d9f7e5c3a1b';

let breaches = 0;
/** A metric alert incident id no other test (or run) uses. */
const newBreach = () => `${2_200_000 + (process.pid % 10_000) * 100 + ++breaches}`;

/** A metric alert webhook (`Sentry-Hook-Resource: metric_alert`) as Sentry's docs show it. */
function metricAlert(action: 'critical' | 'warning' | 'resolved', id: string): Record<string, unknown> {
  const word = action[0]!.toUpperCase() + action.slice(1);
  return {
    action,
    actor: { id: 'sentry', name: 'Sentry', type: 'application' },
    data: {
      description_text: '1000 events in the last 10 minutes\nFilter: level:error',
      description_title: `${word}: Too many errors`,
      metric_alert: {
        alert_rule: {
          aggregate: 'count()',
          dataset: 'events',
          id: '7',
          name: 'Too many errors',
          query: 'level:error',
          time_window: 10,
          triggers: [{ alert_threshold: 1000, label: 'critical' }],
        },
        date_closed: action === 'resolved' ? '2026-11-29T16:40:00.000000Z' : null,
        date_detected: '2026-11-29T16:20:00.000000Z',
        date_started: '2026-11-29T16:20:00.000000Z',
        id,
        identifier: '42',
        organization_id: '1',
        projects: ['front-end'],
        status: action === 'resolved' ? 2 : 1,
        title: 'Too many errors',
      },
      web_url: `https://sentry.io/organizations/test-org/alerts/rules/details/7/?alert=${id}`,
    },
    installation: { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' },
  };
}

describe('POST /hooks/sentry with metric alerts', () => {
  let rig: AlertSourceRig;
  let store: IncidentStore;
  const redis = testRedis();

  beforeAll(async () => {
    rig = await AlertSourceRig.start('sentry-metric', `  sentry:\n    client_secret: "${CLIENT_SECRET}"\n`);
    store = new IncidentStore(redis, rig.prefix);
  });
  afterAll(async () => {
    await rig.close();
    redis.disconnect();
  });

  const send = (payload: unknown) => {
    const body = JSON.stringify(payload);
    return rig.post('/hooks/sentry', body, {
      'request-id': randomUUID(),
      'sentry-hook-resource': 'metric_alert',
      'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
      'sentry-hook-signature': createHmac('sha256', CLIENT_SECRET).update(body).digest('hex'),
    });
  };

  it('a critical breach opens one incident and pages once; warning updates it; resolved closes it', async () => {
    const breach = newBreach();
    const opened = await send(metricAlert('critical', breach));
    expect(opened.status).toBe(202);
    expect(opened.json).toMatchObject({ status: 'triggered', opened: true });
    const id = String(opened.json.incident);
    expect(await store.get(id)).toMatchObject({
      title: 'Too many errors',
      severity: 'critical',
      source: 'sentry',
      labels: { rule: 'Too many errors', metric_alert: breach },
      links: [
        {
          label: 'Sentry metric alert',
          url: `https://sentry.io/organizations/test-org/alerts/rules/details/7/?alert=${breach}`,
        },
      ],
    });
    await waitFor(() => rig.pages(id, 'trigger').length === 1, { what: 'the PagerDuty trigger' });

    const calmer = await send(metricAlert('warning', breach));
    expect(calmer.json).toEqual({ incident: id, status: 'triggered', opened: false });

    const resolved = await send(metricAlert('resolved', breach));
    expect(resolved.json).toEqual({ incident: id, status: 'resolved', resolved: true });
    await waitFor(() => rig.pages(id, 'resolve').length === 1, { what: 'the PagerDuty resolve' });
    await waitFor(() => rig.cards(id).some((m) => shownText(m).includes('Resolved')), {
      what: 'the card showing the incident resolved',
    });
    expect(rig.pages(id, 'trigger')).toHaveLength(1);
    expect(rig.cards(id)).toHaveLength(1);
  });

  it('a late critical of a resolved breach reopens nothing; a warning alone opens a warning incident', async () => {
    const breach = newBreach();
    const id = String((await send(metricAlert('critical', breach))).json.incident);
    await send(metricAlert('resolved', breach));
    const late = await send(metricAlert('critical', breach));
    expect(late.json).toMatchObject({ incident: id, opened: false });
    expect((await store.get(id)).status).toBe('resolved');

    const warned = await send(metricAlert('warning', newBreach()));
    expect(warned.json).toMatchObject({ opened: true });
    expect((await store.get(String(warned.json.incident))).severity).toBe('warning');
  });

  it('a resolve for a breach it never saw opens nothing, and a bad body names the field', async () => {
    const unknown = await send(metricAlert('resolved', newBreach()));
    expect(unknown.status).toBe(202);
    expect(unknown.json).toMatchObject({
      ignored: true,
      reason: 'no incident was opened for this metric alert',
    });

    const bad = await send({ action: 'critical', data: { metric_alert: {} } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'bad_body', field: 'data.metric_alert.id' } });
  });
});
