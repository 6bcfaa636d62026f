import { z } from 'zod';
import { header, type ProviderReply, type ProviderRequest, ScriptedProvider } from './scripted-provider.js';

/**
 * A loopback Sentry ingest (Relay) for one project: `POST /api/{project}/envelope/` with
 * `X-Sentry-Auth: Sentry sentry_version=7, sentry_key=<public key>, …` (401 without it, 403 for
 * another key), answering `{ id }` with the event id. The envelope is parsed as Sentry frames it
 * (a header line, then per item a header line and a payload of `length` bytes), and the event is
 * checked against the documented event fields (Sentry's event schema, written out below), so
 * a body Relay would drop is answered 400.
 */

export const SENTRY_PUBLIC_KEY = '0123456789abcdef0123456789abcdef';
export const SENTRY_PROJECT_ID = '4505123456';

const TagValue = z
  .string()
  .max(200)
  .refine((v) => !v.includes('\n'), 'tag values cannot contain a newline');

export const SentryEvent = z.strictObject({
  event_id: z.string().regex(/^[0-9a-f]{32}$/, 'event_id is 32 lowercase hex digits'),
  timestamp: z.union([z.number().positive(), z.iso.datetime({ offset: true })]),
  platform: z.string().min(1),
  level: z.enum(['fatal', 'error', 'warning', 'info', 'debug']).optional(),
  logger: z.string().max(64).optional(),
  environment: z
    .string()
    .max(64)
    .refine((v) => !/[\n/]/.test(v), 'environment cannot contain a newline or a slash')
    .optional(),
  release: z.string().optional(),
  logentry: z
    .strictObject({ formatted: z.string().max(8192).optional(), message: z.string().optional() })
    .optional(),
  exception: z
    .strictObject({
      values: z.array(
        z.strictObject({
          type: z.string().optional(),
          value: z.string().optional(),
          mechanism: z.strictObject({ type: z.string(), handled: z.boolean().optional() }).optional(),
        }),
      ),
    })
    .optional(),
  tags: z
    .union([z.record(z.string().min(1).max(200), TagValue), z.array(z.tuple([z.string(), TagValue]))])
    .optional(),
  fingerprint: z.array(z.string()).optional(),
  contexts: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  sdk: z.strictObject({ name: z.string(), version: z.string() }).optional(),
});
export type SentryEvent = z.infer<typeof SentryEvent>;

const EnvelopeHeader = z.looseObject({
  event_id: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  sent_at: z.iso.datetime({ offset: true }).optional(),
});
const ItemHeader = z.looseObject({ type: z.string(), length: z.number().int().nonnegative().optional() });

export interface ParsedEnvelope {
  header: z.infer<typeof EnvelopeHeader>;
  items: Array<{ header: z.infer<typeof ItemHeader>; payload: string }>;
}

/** Splits an envelope as Relay does: items with a length take exactly that many bytes. */
export function parseEnvelope(raw: string): ParsedEnvelope {
  const bytes = Buffer.from(raw, 'utf8');
  let offset = 0;
  const line = (): string => {
    const end = bytes.indexOf(0x0a, offset);
    const text = bytes.subarray(offset, end === -1 ? bytes.length : end).toString('utf8');
    offset = end === -1 ? bytes.length : end + 1;
    return text;
  };
  const header = EnvelopeHeader.parse(JSON.parse(line()));
  const items: ParsedEnvelope['items'] = [];
  while (offset < bytes.length) {
    const itemLine = line();
    if (itemLine === '') continue;
    const itemHeader = ItemHeader.parse(JSON.parse(itemLine));
    let payload: string;
    if (itemHeader.length !== undefined) {
      payload = bytes.subarray(offset, offset + itemHeader.length).toString('utf8');
      offset += itemHeader.length;
      if (offset < bytes.length && bytes[offset] === 0x0a) offset += 1;
    } else payload = line();
    items.push({ header: itemHeader, payload });
  }
  return { header, items };
}

/** The event in a request's envelope. */
export function envelopeEvent(request: ProviderRequest): SentryEvent {
  const item = parseEnvelope(request.raw).items.find((i) => i.header.type === 'event');
  if (!item) throw new Error('the envelope has no event item');
  return SentryEvent.parse(JSON.parse(item.payload));
}

/** Sentry's 429: Retry-After and the per-category X-Sentry-Rate-Limits. */
export function sentryRateLimited(seconds: number): ProviderReply {
  return {
    status: 429,
    headers: { 'retry-after': String(seconds), 'x-sentry-rate-limits': `${seconds}:error;default:project:` },
    body: '',
  };
}

export class FakeSentry {
  private constructor(
    readonly provider: ScriptedProvider,
    readonly publicKey: string,
    readonly projectId: string,
  ) {}

  static async start(options: { publicKey?: string; projectId?: string } = {}): Promise<FakeSentry> {
    let fake: FakeSentry | undefined;
    const provider = await ScriptedProvider.start((r) => fake?.answer(r) ?? { status: 503 });
    fake = new FakeSentry(
      provider,
      options.publicKey ?? SENTRY_PUBLIC_KEY,
      options.projectId ?? SENTRY_PROJECT_ID,
    );
    return fake;
  }

  /** The project's DSN, its host this fake. */
  get dsn(): string {
    const { host } = new URL(this.provider.baseUrl);
    return `http://${this.publicKey}@${host}/${this.projectId}`;
  }

  get envelopePath(): string {
    return `/api/${this.projectId}/envelope/`;
  }

  posts(): ProviderRequest[] {
    return this.provider.requests.filter((r) => r.path === this.envelopePath);
  }

  /** Every event received at the envelope endpoint, in order. */
  events(): SentryEvent[] {
    return this.posts().map(envelopeEvent);
  }

  close(): Promise<void> {
    return this.provider.close();
  }

  private answer(r: ProviderRequest): ProviderReply {
    const match = /^\/api\/(\d+)\/envelope\/$/.exec(r.path);
    if (r.method !== 'POST' || !match) return { status: 404, body: { detail: 'not found' } };
    const auth = header(r, 'x-sentry-auth');
    const key = auth ? /sentry_key=([^,\s]+)/.exec(auth)?.[1] : r.query.get('sentry_key');
    if (!key) return { status: 401, body: { detail: 'missing authorization information' } };
    if (auth && !/sentry_version=7\b/.test(auth))
      return { status: 400, body: { detail: 'bad sentry_version' } };
    if (key !== this.publicKey || match[1] !== this.projectId)
      return { status: 403, body: { detail: 'event submission rejected with_reason: ProjectId' } };
    let event: SentryEvent;
    try {
      const envelope = parseEnvelope(r.raw);
      const item = envelope.items.find((i) => i.header.type === 'event');
      if (!item) return { status: 400, body: { detail: 'empty envelope' } };
      event = SentryEvent.parse(JSON.parse(item.payload));
      if (envelope.header.event_id !== undefined && envelope.header.event_id !== event.event_id)
        return { status: 400, body: { detail: 'envelope event_id does not match the event' } };
    } catch (error) {
      return {
        status: 400,
        body: { detail: `invalid envelope: ${error instanceof Error ? error.message : error}` },
      };
    }
    return { status: 200, body: { id: event.event_id } };
  }
}
