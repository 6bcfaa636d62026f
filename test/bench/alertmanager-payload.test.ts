import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  alertBody,
  BENCH_ALERTNAME,
  benchTagsOf,
  isAlertmanagerPayload,
} from '../../bench/lib/alertmanager-payload.js';

/** A notification as Alertmanager 0.25 posts it to a webhook_config (captured on loopback). */
function notification(alerts: unknown[]): Record<string, unknown> {
  return {
    receiver: 'bench',
    status: 'firing',
    alerts,
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://vm:36543',
    version: '4',
    groupKey: '{}:{alertname="ThreadlineBench", bench_run="x", bench_seq="0"}',
    truncatedAlerts: 0,
  };
}

function firing(
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Record<string, unknown> {
  return {
    status: 'firing',
    labels,
    annotations,
    startsAt: '2026-11-29T14:29:40.38869531Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: '4f6a2e6c0cbb0648',
  };
}

const benchLabels = { alertname: BENCH_ALERTNAME, bench_run: 'a500-1f2e3d', bench_seq: '41' };
const benchAnnotations = { bench_t: '1795962580381.1633', bench_warm: '0' };

describe('reading the bench tag back from an Alertmanager webhook notification', () => {
  it('gives run and sequence number from the labels, scheduled time and warm-up flag from the annotations', () => {
    expect(benchTagsOf(notification([firing(benchLabels, benchAnnotations)]))).toEqual({
      tags: [{ run: 'a500-1f2e3d', seq: 41, t: 1795962580381.1633, warm: false }],
      foreign: 0,
    });
  });

  it('gives back exactly the tag the load generator posted to /api/v2/alerts', () => {
    const sent = { run: 'a2000-abcdef', seq: 12_345, t: 1795962580999.25, warm: true };
    const [alert] = JSON.parse(alertBody(sent)) as Array<{
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }>;
    expect(alert!.labels.bench_seq).toBe('12345');
    expect(benchTagsOf(notification([firing(alert!.labels, alert!.annotations)])).tags).toEqual([sent]);
  });

  it('reads every alert of a notification that carries several', () => {
    const second = { ...benchLabels, bench_seq: '42' };
    const { tags } = benchTagsOf(
      notification([firing(benchLabels, benchAnnotations), firing(second, benchAnnotations)]),
    );
    expect(tags.map((t) => t.seq)).toEqual([41, 42]);
  });

  it('counts resolved alerts and alerts that are not the bench’s as foreign, not as deliveries', () => {
    const resolved = { ...firing(benchLabels, benchAnnotations), status: 'resolved' };
    const other = firing({ alertname: 'DiskFull' }, {});
    expect(benchTagsOf(notification([resolved, other]))).toEqual({ tags: [], foreign: 2 });
  });

  it('refuses a notification of another payload version, naming the field', () => {
    const body = { ...notification([firing(benchLabels, benchAnnotations)]), version: '3' };
    expect(() => benchTagsOf(body)).toThrow(ZodError);
    expect(() => benchTagsOf(body)).toThrow(/version/);
  });

  it('refuses a bench alert without its scheduled time, naming the annotation', () => {
    const body = notification([firing(benchLabels, { bench_warm: '0' })]);
    try {
      benchTagsOf(body);
      expect.unreachable('a bench alert without bench_t was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ZodError);
      expect((error as ZodError).issues[0]!.path).toEqual(['alerts', 0, 'annotations', 'bench_t']);
    }
  });

  it('refuses a bench alert whose sequence number is not an integer, naming the label', () => {
    const body = notification([firing({ ...benchLabels, bench_seq: '4.5' }, benchAnnotations)]);
    try {
      benchTagsOf(body);
      expect.unreachable('a fractional bench_seq was accepted');
    } catch (error) {
      expect((error as ZodError).issues[0]!.path).toEqual(['alerts', 0, 'labels', 'bench_seq']);
    }
  });
});

describe('telling an Alertmanager notification from a Threadline delivery', () => {
  it('recognises the version-4 shape', () => {
    expect(isAlertmanagerPayload(notification([]))).toBe(true);
  });

  it('does not take a Threadline event payload for one', () => {
    const threadline = { id: 'r500-1', event: 'implementation_completed', bench: { run: 'r', seq: 1 } };
    expect(isAlertmanagerPayload(threadline)).toBe(false);
    expect(isAlertmanagerPayload(undefined)).toBe(false);
  });
});
