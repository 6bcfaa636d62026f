import { z } from 'zod';
import { header, type ProviderReply, type ProviderRequest, ScriptedProvider } from './scripted-provider.js';

/**
 * A loopback Datadog API: `POST /api/v2/series`, `POST /api/v1/events` and
 * `GET /api/v1/validate`, authenticated by `DD-API-KEY` as Datadog does (403 otherwise). Bodies
 * are checked against the documented request schemas (`MetricPayload`, `EventCreateRequest` of
 * Datadog's OpenAPI specs, written out below) and refused with 400 and `{ errors: [...] }` like
 * Datadog when they do not match.
 */

export const DATADOG_API_KEY = 'dd0123456789abcdef0123456789abcd';

/** `MetricIntakeType`: 0 unspecified, 1 count, 2 rate, 3 gauge. */
const MetricIntakeType = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);

/** Points must be current: at most an hour old and ten minutes ahead. */
const MetricPoint = z.strictObject({
  timestamp: z
    .number()
    .int()
    .refine((t) => {
      const now = Date.now() / 1000;
      return t >= now - 3600 && t <= now + 600;
    }, 'timestamp must be within the last hour'),
  value: z.number(),
});

export const MetricSeries = z.strictObject({
  metric: z.string().min(1).max(200),
  type: MetricIntakeType.optional(),
  points: z.array(MetricPoint).min(1),
  tags: z.array(z.string().max(200)).optional(),
  unit: z.string().optional(),
  interval: z.number().int().optional(),
  resources: z.array(z.strictObject({ name: z.string(), type: z.string() })).optional(),
  source_type_name: z.string().optional(),
  metadata: z.strictObject({ origin: z.record(z.string(), z.number().int()).optional() }).optional(),
});

export const MetricPayload = z.strictObject({ series: z.array(MetricSeries).min(1) });
export type MetricPayload = z.infer<typeof MetricPayload>;

export const EventCreateRequest = z.strictObject({
  title: z.string().min(1).max(100),
  text: z.string().max(4000),
  aggregation_key: z.string().max(100).optional(),
  alert_type: z
    .enum(['error', 'warning', 'info', 'success', 'user_update', 'recommendation', 'snapshot'])
    .optional(),
  date_happened: z
    .number()
    .int()
    .refine((t) => t >= Date.now() / 1000 - 18 * 3600, 'date_happened must be within the last 18 hours')
    .optional(),
  device_name: z.string().optional(),
  host: z.string().optional(),
  priority: z.enum(['normal', 'low']).nullable().optional(),
  related_event_id: z.number().int().optional(),
  source_type_name: z.string().optional(),
  tags: z.array(z.string()).optional(),
});
export type EventCreateRequest = z.infer<typeof EventCreateRequest>;

/** Datadog's 429: no Retry-After, the X-RateLimit-* family instead. */
export function datadogRateLimited(resetSeconds: number): ProviderReply {
  return {
    status: 429,
    headers: {
      'x-ratelimit-limit': '100',
      'x-ratelimit-period': '10',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(resetSeconds),
      'x-ratelimit-name': 'post_events',
    },
    body: { errors: ['Too many requests'] },
  };
}

export class FakeDatadog {
  private nextEventId = 7_000_000_000_000_000_000n;

  private constructor(
    readonly provider: ScriptedProvider,
    readonly apiKey: string,
  ) {}

  static async start(apiKey = DATADOG_API_KEY): Promise<FakeDatadog> {
    let fake: FakeDatadog | undefined;
    const provider = await ScriptedProvider.start((r) => fake?.answer(r) ?? { status: 503 });
    fake = new FakeDatadog(provider, apiKey);
    return fake;
  }

  get baseUrl(): string {
    return this.provider.baseUrl;
  }

  /** Requests to one endpoint, e.g. `/api/v2/series`. */
  requestsTo(path: string): ProviderRequest[] {
    return this.provider.requests.filter((r) => r.path === path);
  }

  series(): MetricPayload[] {
    return this.requestsTo('/api/v2/series').map((r) => MetricPayload.parse(JSON.parse(r.raw)));
  }

  events(): EventCreateRequest[] {
    return this.requestsTo('/api/v1/events').map((r) => EventCreateRequest.parse(JSON.parse(r.raw)));
  }

  close(): Promise<void> {
    return this.provider.close();
  }

  private answer(r: ProviderRequest): ProviderReply {
    const route = `${r.method} ${r.path}`;
    const known = ['POST /api/v2/series', 'POST /api/v1/events', 'GET /api/v1/validate'];
    if (!known.includes(route)) return { status: 404, body: { errors: ['Not found'] } };
    if (header(r, 'dd-api-key') !== this.apiKey) return { status: 403, body: { errors: ['Forbidden'] } };
    if (route === 'GET /api/v1/validate') return { status: 200, body: { valid: true } };
    if (!header(r, 'content-type')?.startsWith('application/json'))
      return { status: 415, body: { errors: ['Unsupported Media Type'] } };
    let json: unknown;
    try {
      json = JSON.parse(r.raw);
    } catch {
      return { status: 400, body: { errors: ['Payload is not in the expected format: invalid JSON'] } };
    }
    if (route === 'POST /api/v2/series') {
      const parsed = MetricPayload.safeParse(json);
      if (!parsed.success) return invalid(parsed.error);
      return { status: 202, body: { errors: [] } };
    }
    const parsed = EventCreateRequest.safeParse(json);
    if (!parsed.success) return invalid(parsed.error);
    const id = this.nextEventId++;
    return {
      status: 202,
      body: {
        status: 'ok',
        event: {
          ...parsed.data,
          id: Number(id),
          id_str: String(id),
          date_happened: parsed.data.date_happened ?? Math.floor(Date.now() / 1000),
          url: `https://app.datadoghq.com/event/event?id=${id}`,
        },
      },
    };
  }
}

function invalid(error: z.ZodError): ProviderReply {
  return {
    status: 400,
    body: { errors: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
  };
}
