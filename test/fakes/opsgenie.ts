import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { type HttpRequestRecord, QueuedFake, type QueuedReply, send } from './fake-server.js';
import type { LoopbackRequest } from './loopback.js';

/**
 * A loopback Opsgenie Alert API: create, get, acknowledge, close and add note, by alias. Bodies are
 * checked against zod schemas written from Opsgenie's published OpenAPI (opsgenie/opsgenie-oas,
 * CreateAlertPayload, AlertActionPayload, AddNoteToAlertPayload) with the documented field
 * limits, so a wrong body fails the test with Opsgenie's own 422. Like Opsgenie, every accepted
 * request answers 202 with a requestId, and a create on the alias of an open alert only counts.
 */

const Recipient = z.strictObject({
  type: z.enum(['all', 'none', 'user', 'escalation', 'schedule', 'team', 'group']),
  id: z.string().optional(),
  name: z.string().optional(),
  username: z.string().optional(),
});
const ActionFields = {
  user: z.string().max(100).optional(),
  note: z.string().max(25_000).optional(),
  source: z.string().max(100).optional(),
};
export const CreateAlertBody = z.strictObject({
  ...ActionFields,
  message: z.string().min(1).max(130),
  alias: z.string().max(512).optional(),
  description: z.string().max(15_000).optional(),
  responders: z.array(Recipient).max(50).optional(),
  visibleTo: z.array(Recipient).max(50).optional(),
  actions: z.array(z.string().max(50)).max(10).optional(),
  tags: z.array(z.string().max(50)).max(20).optional(),
  details: z
    .record(z.string(), z.string())
    .refine(
      (d) => Object.entries(d).reduce((n, [k, v]) => n + k.length + v.length, 0) <= 8_000,
      'details may hold 8000 characters in all',
    )
    .optional(),
  entity: z.string().max(512).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional(),
});
export type CreateAlertBody = z.infer<typeof CreateAlertBody>;
export const AlertActionBody = z.strictObject(ActionFields);
export const AddNoteBody = z.strictObject({ ...ActionFields, note: z.string().min(1).max(25_000) });

export type RecordedRequest = HttpRequestRecord;

export type ScriptedReply = QueuedReply;

export interface FakeOpsgenieAlert {
  id: string;
  tinyId: string;
  alias: string;
  status: 'open' | 'closed';
  acknowledged: boolean;
  /** How many creates the alert absorbed (Opsgenie's de-duplication count). */
  count: number;
  created: CreateAlertBody;
  notes: Array<{ note: string; user?: string }>;
  log: Array<{ action: string; user?: string }>;
  /** Who acknowledged and who closed it (GetAlertResponse's `report`). */
  acknowledgedBy?: string;
  closedBy?: string;
}

export const API_KEY = '3f0c9a52-6d1e-4b7a-9c55-0e1f2a3b4c5d';

export class FakeOpsgenie extends QueuedFake<RecordedRequest> {
  /** Alerts by alias (the latest alert for an alias). */
  readonly alerts = new Map<string, FakeOpsgenieAlert>();
  /** How many times responders were notified: a create that opened a new alert. */
  notifications = 0;

  static async start(): Promise<FakeOpsgenie> {
    return new FakeOpsgenie().listen();
  }

  /** A responder acts in Opsgenie itself: no webhook is sent by the fake. */
  changeInOpsgenie(alias: string, action: 'acknowledge' | 'close', user: string): void {
    const alert = this.alerts.get(alias);
    if (!alert) throw new Error(`no alert with alias ${alias}`);
    if (action === 'acknowledge') {
      alert.acknowledged = true;
      alert.acknowledgedBy = user;
    } else {
      alert.status = 'closed';
      alert.closedBy = user;
    }
    alert.log.push({ action, user });
  }

  /** Reads of one alert (status polls), in order. */
  alertReads(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v2/alerts/'));
  }

  protected handle(request: LoopbackRequest, res: ServerResponse) {
    const { url, json } = this.read(request);
    const { method, headers, raw } = request;
    this.requests.push(this.recorded(request, url, json));
    if (this.answerQueued(res, 202)) return;
    if (headers.authorization !== `GenieKey ${API_KEY}`) return error(res, 401, 'Could not authenticate');
    if (json === undefined && raw !== '') return error(res, 400, 'Invalid JSON body');
    if (method === 'POST' && url.pathname === '/v2/alerts') return this.create(json, res);
    const alert = /^\/v2\/alerts\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && alert) return this.get(decodeURIComponent(alert[1]!), url.searchParams, res);
    const action = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close|notes)$/.exec(url.pathname);
    if (method === 'POST' && action) {
      if (url.searchParams.get('identifierType') !== 'alias')
        return error(res, 404, 'Alert does not exist (identifierType is not alias)');
      return this.act(decodeURIComponent(action[1]!), action[2]!, json ?? {}, res);
    }
    error(res, 404, 'No such endpoint');
  }

  private create(json: unknown, res: ServerResponse) {
    const parsed = CreateAlertBody.safeParse(json);
    if (!parsed.success) return error(res, 422, issues(parsed.error));
    const body = parsed.data;
    const alias = body.alias ?? randomUUID();
    const existing = this.alerts.get(alias);
    if (existing && existing.status === 'open') existing.count += 1;
    else {
      this.notifications += 1;
      this.alerts.set(alias, {
        id: randomUUID(),
        tinyId: String(this.alerts.size + 1),
        alias,
        status: 'open',
        acknowledged: false,
        count: 1,
        created: body,
        notes: [],
        log: [{ action: 'create', user: body.user }],
      });
    }
    accepted(res);
  }

  private get(identifier: string, query: URLSearchParams, res: ServerResponse) {
    const type = IdentifierType.safeParse(query.get('identifierType') ?? undefined);
    if (!type.success) return error(res, 422, 'identifierType must be one of id, alias, tiny');
    const alert = [...this.alerts.values()].find((a) =>
      type.data === 'alias'
        ? a.alias === identifier
        : type.data === 'tiny'
          ? a.tinyId === identifier
          : a.id === identifier,
    );
    if (!alert) return error(res, 404, 'Alert does not exist');
    send(res, 200, {
      data: {
        id: alert.id,
        tinyId: alert.tinyId,
        alias: alert.alias,
        message: alert.created.message,
        status: alert.status,
        acknowledged: alert.acknowledged,
        count: alert.count,
        priority: alert.created.priority ?? 'P3',
        report: {
          ...(alert.acknowledgedBy ? { acknowledgedBy: alert.acknowledgedBy } : {}),
          ...(alert.closedBy ? { closedBy: alert.closedBy } : {}),
        },
      },
      took: 0.004,
      requestId: randomUUID(),
    });
  }

  private act(alias: string, action: string, json: unknown, res: ServerResponse) {
    const parsed = (action === 'notes' ? AddNoteBody : AlertActionBody).safeParse(json);
    if (!parsed.success) return error(res, 422, issues(parsed.error));
    const alert = this.alerts.get(alias);
    if (!alert) return error(res, 404, 'Alert does not exist');
    const body = parsed.data;
    if (action === 'acknowledge') {
      alert.acknowledged = true;
      alert.acknowledgedBy = body.user ?? body.source;
    }
    if (action === 'close') {
      alert.status = 'closed';
      alert.closedBy = body.user ?? body.source;
    }
    if (body.note) alert.notes.push({ note: body.note, user: body.user });
    alert.log.push({ action, user: body.user });
    accepted(res);
  }
}

/** GetAlertRequest: identifierType is id (the default), alias or tiny; this fake keeps alerts by alias. */
const IdentifierType = z.enum(['id', 'alias', 'tiny']).default('id');

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

function accepted(res: ServerResponse): void {
  send(res, 202, { result: 'Request will be processed', took: 0.011, requestId: randomUUID() });
}

function error(res: ServerResponse, status: number, message: string): void {
  send(res, status, { message, took: 0.002, requestId: randomUUID() });
}
