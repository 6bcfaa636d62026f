import { describe, expect, it } from 'vitest';
import { verifyPagerDutySignature } from '../../src/connectors/pagerduty/webhook.js';
import { incidentDedupKey, incidentIdFromDedupKey, specDedupKey } from '../../src/connectors/paging/dedup.js';
import {
  dedupKeyFor,
  pagerActionFor,
  pagerIncidentFor,
  severityOf,
} from '../../src/connectors/paging/events.js';
import { stored } from './support.js';

describe('what an event asks of a pager', () => {
  it('moves incidents by their own events and resolves a spec alert on success', () => {
    expect(pagerActionFor('incident_triggered')).toBe('trigger');
    expect(pagerActionFor('incident_acknowledged')).toBe('acknowledge');
    expect(pagerActionFor('incident_resolved')).toBe('resolve');
    expect(pagerActionFor('incident_escalated')).toBe('escalate');
    expect(pagerActionFor('implementation_failed')).toBe('trigger');
    expect(pagerActionFor('implementation_started')).toBe('trigger');
    expect(pagerActionFor('implementation_completed')).toBe('resolve');
    expect(pagerActionFor('pr_merged')).toBe('resolve');
  });

  it("keys an incident by its id, a spec by its id and repository, and keeps a pager's own key", () => {
    const incident = stored({
      event: 'incident_acknowledged',
      incident: { id: 'INC-4' },
      spec: { id: 'INC-4' },
    });
    expect(dedupKeyFor(incident.payload)).toBe('threadline:incident:INC-4');
    const spec = stored({
      event: 'implementation_failed',
      spec: { id: 'FEAT-1' },
      repository: { owner: 'o', name: 'r' },
    });
    expect(dedupKeyFor(spec.payload)).toBe('threadline:spec:o.r.FEAT-1');
    const fromPager = stored({
      event: 'incident_resolved',
      incident: { dedup_key: 'db-latency' },
      spec: { id: 'PD-3' },
    });
    expect(dedupKeyFor(fromPager.payload)).toBe('db-latency');
    const bare = stored({ event: 'runbook_stale' }, 'evt-77');
    expect(dedupKeyFor(bare.payload)).toBe('threadline:event:evt-77');
  });

  it('round-trips an incident id through its key, and hashes what a URL path or a pager would not take', () => {
    expect(incidentIdFromDedupKey(incidentDedupKey('INC-12'))).toBe('INC-12');
    expect(incidentIdFromDedupKey(specDedupKey('INC-12'))).toBeUndefined();
    expect(specDedupKey('a/b c')).toMatch(/^threadline:spec:sha256-[0-9a-f]{40}$/);
    expect(specDedupKey('x'.repeat(300))).toHaveLength('threadline:spec:sha256-'.length + 40);
    expect(specDedupKey('a/b c')).toBe(specDedupKey('a/b c'));
  });

  it('pages SEV1 specs as critical and leaves other specs to the configured severity', () => {
    const sev = (severity?: string) =>
      severityOf(stored({ event: 'implementation_failed', spec: { id: 'F', severity } }).payload);
    expect([sev('SEV1'), sev('sev-1'), sev('Sev 1'), sev('P1'), sev('critical')]).toEqual(
      Array(5).fill('critical'),
    );
    expect([sev('SEV2'), sev(undefined), sev('high')]).toEqual([undefined, undefined, undefined]);
    const incident = stored({ event: 'incident_triggered', incident: { id: 'INC-1', severity: 'error' } });
    expect(severityOf(incident.payload)).toBe('error');
  });

  it('names the alert after the incident, or the event and spec', () => {
    const spec = pagerIncidentFor(
      stored({ event: 'validation_failed', spec: { id: 'FEAT-7', title: 'Search' } }),
    );
    expect(spec).toMatchObject({ summary: 'Spec Validation Failed: FEAT-7 Search', source: 'threadline' });
    const incident = pagerIncidentFor(
      stored({ event: 'incident_triggered', incident: { id: 'INC-2', title: 'DB down', service: 'db' } }),
    );
    expect(incident).toMatchObject({
      summary: 'DB down',
      source: 'db',
      dedupKey: 'threadline:incident:INC-2',
    });
  });
});

describe('PagerDuty webhook signatures', () => {
  const body = Buffer.from('{"event":{"id":"E1"}}');
  // Well formed, but made by no configured secret.
  const foreign = 'v1=c2d2c2c9b0f2d5e46ad1e7d0b5a3bd6e1b8d0b36e9f4c2a1d6b1a5f4e3c2b1a0';

  it('accepts the signature of any configured secret, among several in the header', async () => {
    const { createHmac } = await import('node:crypto');
    const sign = (secret: string) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(verifyPagerDutySignature(['whsec-test'], body, sign('whsec-test'))).toBe(true);
    expect(
      verifyPagerDutySignature(['old', 'whsec-test'], body, `${sign('other')},${sign('whsec-test')}`),
    ).toBe(true);
    expect(
      verifyPagerDutySignature(['whsec-test'], body, sign('whsec-test').toUpperCase().replace('V1=', 'v1=')),
    ).toBe(true);
  });

  it('refuses a missing, malformed or foreign signature', () => {
    expect(verifyPagerDutySignature(['whsec-test'], body, undefined)).toBe(false);
    expect(verifyPagerDutySignature(['whsec-test'], body, 'sha256=abc')).toBe(false);
    expect(verifyPagerDutySignature(['whsec-test'], body, 'v1=zz')).toBe(false);
    expect(verifyPagerDutySignature(['whsec-test'], body, foreign)).toBe(false);
    expect(verifyPagerDutySignature([], body, foreign)).toBe(false);
  });
});
