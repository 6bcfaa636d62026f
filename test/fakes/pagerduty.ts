import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { type HttpRequestRecord, QueuedFake, type QueuedReply, send } from './fake-server.js';
import type { LoopbackRequest } from './loopback.js';

/**
 * A loopback PagerDuty: the Events API v2 (`POST /v2/enqueue`) and the REST calls notes and
 * status polling need (`GET /incidents`, `POST /incidents/{id}/notes`). Request bodies are checked against zod schemas written from the published Events API v2
 * schema (PagerDuty/api-schema, reference/events-v2/openapiv3.json) and its documented limits,
 * so a wrong body fails the test with PagerDuty's own 400. Alerts are modelled as PagerDuty keeps
 * them: a trigger on a dedup key with an open alert adds to it and pages nobody.
 */

const url = z.url();
const EventLinks = z.array(z.strictObject({ href: url, text: z.string().optional() }));
const EventImages = z.array(z.strictObject({ src: url, href: url.optional(), alt: z.string().optional() }));
export const EventPayloadSchema = z.strictObject({
  summary: z.string().min(1).max(1024),
  source: z.string().min(1),
  severity: z.enum(['critical', 'warning', 'error', 'info']),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  custom_details: z.record(z.string(), z.unknown()).optional(),
});
export const EnqueueBody = z
  .strictObject({
    routing_key: z.string().length(32, "Length of 'routing_key' is incorrect (should be 32 characters)"),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: EventPayloadSchema.optional(),
    client: z.string().optional(),
    client_url: url.optional(),
    links: EventLinks.optional(),
    images: EventImages.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.event_action === 'trigger' && !body.payload)
      ctx.addIssue({ code: 'custom', path: ['payload'], message: "'payload' is missing or null" });
    if (body.event_action !== 'trigger' && !body.dedup_key)
      ctx.addIssue({
        code: 'custom',
        path: ['dedup_key'],
        message: "'dedup_key' is required for this event_action",
      });
  });
export type EnqueueBody = z.infer<typeof EnqueueBody>;

export interface RecordedRequest extends HttpRequestRecord {
  raw: string;
}

export type ScriptedReply = QueuedReply;

export interface FakeAlert {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Every accepted event for the key, in order. */
  events: EnqueueBody[];
  /** The REST incident id of the alert's incident. */
  incidentId: string;
  /** PagerDuty's incident number, shown as #n. */
  number: number;
  notes: Array<{ content: string; from: string }>;
  /** Who made the last status change (a responder in PagerDuty's UI, or the integration). */
  changedBy: string;
}

/**
 * The query `GET /incidents` takes, from the REST API's published schema (PagerDuty/api-schema,
 * reference/REST/openapiv3.json, listIncidents): a wrong value gets PagerDuty's 400.
 */
const ListIncidentsQuery = z.looseObject({
  incident_key: z.string().min(1).optional(),
  date_range: z.literal('all').optional(),
  'statuses[]': z.array(z.enum(['triggered', 'acknowledged', 'resolved'])).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

export const ROUTING_KEY = 'R0ut1ngKeyF0rTheFakeServ1ce00001';
export const API_TOKEN = 'u+pdRestApiTokenForTests-123456';

export class FakePagerDuty extends QueuedFake<RecordedRequest> {
  /** Open and closed alerts by dedup key (the latest alert for a key). */
  readonly alerts = new Map<string, FakeAlert>();
  /** How many times someone was paged: a trigger that opened a new alert. */
  pages = 0;
  private nextIncident = 1;

  static async start(): Promise<FakePagerDuty> {
    return new FakePagerDuty().listen();
  }

  get eventsUrl(): string {
    return `${this.baseUrl}/v2/enqueue`;
  }

  /** A responder acts in PagerDuty itself (its UI or app): no webhook is sent by the fake. */
  changeInPagerDuty(dedupKey: string, status: 'acknowledged' | 'resolved', by: string): void {
    const alert = this.alerts.get(dedupKey);
    if (!alert) throw new Error(`no alert for ${dedupKey}`);
    alert.status = status;
    alert.changedBy = by;
  }

  /** REST reads of incidents (status polls and a note's lookup), in order. */
  incidentReads(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path === '/incidents');
  }

  /** Accepted Events API bodies, in order. */
  events(): EnqueueBody[] {
    return this.requests
      .filter((r) => r.path === '/v2/enqueue')
      .map((r) => EnqueueBody.safeParse(r.json))
      .filter((p) => p.success)
      .map((p) => p.data);
  }

  protected handle(request: LoopbackRequest, res: ServerResponse) {
    const { url: parsedUrl, json } = this.read(request);
    const { method, headers, raw } = request;
    this.requests.push({ ...this.recorded(request, parsedUrl, json), raw });
    if (this.answerQueued(res, 200)) return;
    if (method === 'POST' && parsedUrl.pathname === '/v2/enqueue')
      return this.enqueue(raw, json, headers, res);
    if (method === 'GET' && parsedUrl.pathname === '/incidents')
      return this.listIncidents(parsedUrl.searchParams, headers, res);
    const notes = /^\/incidents\/([^/]+)\/notes$/.exec(parsedUrl.pathname);
    if (method === 'POST' && notes) return this.addNote(decodeURIComponent(notes[1]!), json, headers, res);
    send(res, 404, { error: { message: 'Not Found', code: 2100 } });
  }

  private enqueue(raw: string, json: unknown, headers: IncomingHttpHeaders, res: ServerResponse) {
    if (!String(headers['content-type'] ?? '').startsWith('application/json') || json === undefined)
      return send(res, 400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['JSON parse error'],
      });
    const parsed = EnqueueBody.safeParse(json);
    if (!parsed.success)
      return send(res, 400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
    const body = parsed.data;
    if (body.routing_key !== ROUTING_KEY)
      return send(res, 400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['Invalid routing key'],
      });
    const dedupKey = body.dedup_key ?? `generated-${this.requests.length}-${raw.length}`;
    const alert = this.alerts.get(dedupKey);
    const open = alert && alert.status !== 'resolved' ? alert : undefined;
    if (body.event_action === 'trigger') {
      if (open) open.events.push(body);
      else {
        this.pages += 1;
        const number = this.nextIncident++;
        this.alerts.set(dedupKey, {
          dedupKey,
          status: 'triggered',
          events: [body],
          incidentId: `PFAKE${number}`,
          number,
          notes: [],
          changedBy: 'Threadline (Events API v2)',
        });
      }
    } else if (open) {
      open.events.push(body);
      open.status = body.event_action === 'acknowledge' ? 'acknowledged' : 'resolved';
      open.changedBy = 'Threadline (Events API v2)';
    }
    // PagerDuty accepts an acknowledge or resolve for a key without an open alert and drops it.
    send(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }

  private restAuthorised(headers: IncomingHttpHeaders, res: ServerResponse): boolean {
    if (
      headers.authorization === `Token token=${API_TOKEN}` &&
      String(headers.accept).includes('application/vnd.pagerduty+json;version=2')
    )
      return true;
    send(res, 401, { error: { message: 'Unauthorized', code: 2006 } });
    return false;
  }

  private listIncidents(query: URLSearchParams, headers: IncomingHttpHeaders, res: ServerResponse) {
    if (!this.restAuthorised(headers, res)) return;
    const params: Record<string, string | string[]> = {};
    for (const name of new Set(query.keys()))
      params[name] = name.endsWith('[]') ? query.getAll(name) : (query.get(name) ?? '');
    const parsed = ListIncidentsQuery.safeParse(params);
    if (!parsed.success)
      return send(res, 400, {
        error: {
          message: 'Invalid Input Provided',
          code: 2001,
          errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        },
      });
    const { incident_key: key, 'statuses[]': statuses } = parsed.data;
    const incidents = [...this.alerts.values()]
      .filter((a) => key === undefined || a.dedupKey === key)
      .filter((a) => statuses === undefined || statuses.includes(a.status))
      .map((a) => ({
        id: a.incidentId,
        type: 'incident',
        incident_number: a.number,
        title: a.events[0]?.payload?.summary ?? a.dedupKey,
        status: a.status,
        incident_key: a.dedupKey,
        html_url: `https://acme.pagerduty.com/incidents/${a.incidentId}`,
        last_status_change_by: { id: 'PUSER01', type: 'user_reference', summary: a.changedBy },
      }));
    send(res, 200, { incidents, limit: 25, offset: 0, more: false, total: null });
  }

  private addNote(incidentId: string, json: unknown, headers: IncomingHttpHeaders, res: ServerResponse) {
    if (!this.restAuthorised(headers, res)) return;
    const from = headers.from;
    if (typeof from !== 'string' || !z.email().safeParse(from).success)
      return send(res, 400, {
        error: { message: 'Invalid Input Provided', code: 2001, errors: ['Requester User Not Found'] },
      });
    const parsed = z
      .strictObject({ note: z.strictObject({ content: z.string().min(1).max(25_000) }) })
      .safeParse(json);
    if (!parsed.success)
      return send(res, 400, {
        error: {
          message: 'Invalid Input Provided',
          code: 2001,
          errors: parsed.error.issues.map((i) => i.message),
        },
      });
    const alert = [...this.alerts.values()].find((a) => a.incidentId === incidentId);
    if (!alert) return send(res, 404, { error: { message: 'Not Found', code: 2100 } });
    alert.notes.push({ content: parsed.data.note.content, from });
    send(res, 201, { note: { id: `PNOTE${alert.notes.length}`, content: parsed.data.note.content } });
  }
}
