import { z } from 'zod';
import { header, type ProviderReply, type ProviderRequest, ScriptedProvider } from './scripted-provider.js';

/**
 * A loopback New Relic Event API: `POST /v1/accounts/{accountId}/events` with a license key in
 * `Api-Key` or an insert key in `X-Insert-Key` (403 otherwise), a JSON array of flat events, and
 * `{ success: true, uuid }` on success. The body is checked against the Event API's documented
 * rules (New Relic publishes no machine-readable schema): every event has an `eventType` of
 * letters, digits, `_` and `:`; at most 254 attributes; values are strings of at most 4096
 * characters, numbers or booleans, never nested objects.
 */

export const NEW_RELIC_LICENSE_KEY = '0123456789abcdef0123456789abcdef0123NRAL';
export const NEW_RELIC_ACCOUNT_ID = '1234567';

const AttributeValue = z.union([z.string().max(4096), z.number().refine(Number.isFinite), z.boolean()]);

export const NewRelicEvent = z
  .object({
    eventType: z
      .string()
      .max(255)
      .regex(/^[A-Za-z0-9_:]+$/, 'eventType may contain letters, digits, _ and : only'),
    timestamp: z.number().int().positive().optional(),
  })
  .catchall(AttributeValue)
  .refine((e) => Object.keys(e).length <= 254, 'at most 254 attributes')
  .refine(
    (e) => Object.keys(e).every((name) => name.length <= 255),
    'attribute names are at most 255 characters',
  );
export type NewRelicEvent = z.infer<typeof NewRelicEvent>;

export const EventApiPayload = z.array(NewRelicEvent).min(1).max(2000);

export class FakeNewRelic {
  private constructor(
    readonly provider: ScriptedProvider,
    readonly accountId: string,
    readonly licenseKey: string,
  ) {}

  static async start(options: { accountId?: string; licenseKey?: string } = {}): Promise<FakeNewRelic> {
    let fake: FakeNewRelic | undefined;
    const provider = await ScriptedProvider.start((r) => fake?.answer(r) ?? { status: 503 });
    fake = new FakeNewRelic(
      provider,
      options.accountId ?? NEW_RELIC_ACCOUNT_ID,
      options.licenseKey ?? NEW_RELIC_LICENSE_KEY,
    );
    return fake;
  }

  get baseUrl(): string {
    return this.provider.baseUrl;
  }

  get eventsPath(): string {
    return `/v1/accounts/${this.accountId}/events`;
  }

  /** The requests to the account's events endpoint. */
  posts(): ProviderRequest[] {
    return this.provider.requests.filter((r) => r.path === this.eventsPath);
  }

  /** Every event accepted so far, in order. */
  events(): NewRelicEvent[] {
    return this.posts().flatMap((r) => EventApiPayload.parse(JSON.parse(r.raw)));
  }

  close(): Promise<void> {
    return this.provider.close();
  }

  private answer(r: ProviderRequest): ProviderReply {
    if (r.method !== 'POST' || !/^\/v1\/accounts\/\d+\/events$/.test(r.path))
      return { status: 404, body: { error: 'Not Found' } };
    const key = header(r, 'api-key') ?? header(r, 'x-insert-key');
    if (key !== this.licenseKey || r.path !== this.eventsPath)
      return { status: 403, body: { error: 'Missing or invalid API key' } };
    if (!header(r, 'content-type')?.startsWith('application/json'))
      return { status: 415, body: { error: 'Invalid content type' } };
    let json: unknown;
    try {
      json = JSON.parse(r.raw);
    } catch {
      return { status: 400, body: { error: 'Invalid JSON' } };
    }
    const parsed = EventApiPayload.safeParse(json);
    if (!parsed.success)
      return {
        status: 400,
        body: { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') },
      };
    return { status: 200, body: { success: true, uuid: crypto.randomUUID() } };
  }
}
