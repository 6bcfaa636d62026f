/**
 * The bench's alerts as Alertmanager sees them, and the way back: the body the load generator
 * posts to `/api/v2/alerts`, and the bench tags found in a webhook notification (payload version 4).
 */
import { z } from 'zod';
import type { BenchTag } from './recorder.js';

export const BENCH_ALERTNAME = 'ThreadlineBench';

/** One alert per event: run and seq are labels (seq makes every alert a group of its own). */
export function alertBody(tag: BenchTag): string {
  return JSON.stringify([
    {
      labels: { alertname: BENCH_ALERTNAME, bench_run: tag.run, bench_seq: String(tag.seq) },
      // Annotations are not part of an alert's identity: the scheduled time rides along there.
      annotations: { bench_t: String(tag.t), bench_warm: tag.warm ? '1' : '0' },
    },
  ]);
}

const webhookAlert = z.object({
  status: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
});

/** Alertmanager's webhook notification, as far as the bench reads it. */
const webhookPayload = z.object({
  version: z.literal('4'),
  status: z.string(),
  receiver: z.string(),
  alerts: z.array(webhookAlert),
});

export type WebhookPayload = z.infer<typeof webhookPayload>;

/** Whether a parsed JSON body is an Alertmanager notification at all (whatever it carries). */
export function isAlertmanagerPayload(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { version?: unknown }).version === '4' &&
    Array.isArray((body as { alerts?: unknown }).alerts)
  );
}

const benchLabels = z.object({
  alertname: z.literal(BENCH_ALERTNAME),
  bench_run: z.string().min(1),
  bench_seq: z.string().regex(/^\d+$/, 'bench_seq must be a non-negative integer'),
});

const benchAnnotations = z.object({
  bench_t: z
    .string()
    .refine((v) => v.trim() !== '' && Number.isFinite(Number(v)), 'bench_t must be a number'),
  bench_warm: z.enum(['0', '1']),
});

/**
 * The bench tag of every firing bench alert in a notification; alerts that are resolved or not
 * the bench's are counted as `foreign`. Throws a ZodError naming the field when the body is not
 * a version-4 webhook payload or a bench alert lacks one of its labels or annotations.
 */
export function benchTagsOf(body: unknown): { tags: BenchTag[]; foreign: number } {
  const payload = webhookPayload.parse(body);
  const tags: BenchTag[] = [];
  let foreign = 0;
  payload.alerts.forEach((alert, i) => {
    if (alert.status !== 'firing' || alert.labels.alertname !== BENCH_ALERTNAME) {
      foreign++;
      return;
    }
    const labels = benchLabels.safeParse(alert.labels);
    const annotations = benchAnnotations.safeParse(alert.annotations);
    if (!labels.success) throw prefixed(labels.error, ['alerts', i, 'labels']);
    if (!annotations.success) throw prefixed(annotations.error, ['alerts', i, 'annotations']);
    tags.push({
      run: labels.data.bench_run,
      seq: Number(labels.data.bench_seq),
      t: Number(annotations.data.bench_t),
      warm: annotations.data.bench_warm === '1',
    });
  });
  return { tags, foreign };
}

function prefixed(error: z.ZodError, path: Array<string | number>): z.ZodError {
  return new z.ZodError(error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })));
}
