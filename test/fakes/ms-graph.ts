import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OperationFake, type ScriptedReply } from './fake-server.js';
import type { LoopbackOptions, LoopbackRequest } from './loopback.js';

/**
 * A loopback Microsoft identity platform (the client-credentials token endpoint) and Microsoft
 * Graph v1.0 Planner API with one plan and one bucket. It checks the token form, the bearer
 * token, If-Match etags (412 when stale, as Planner does) and the bodies Threadline sends
 * against hand-written schemas of Graph's documented plannerTask / plannerTaskDetails shapes,
 * answering errors as Graph does (`{ error: { code, message } }`), and records every request.
 * Serve it with `auth_url: <baseUrl>` and `api_url: <baseUrl>/v1.0`.
 */

export type GraphOperation =
  | 'token'
  | 'getPlan'
  | 'getBucket'
  | 'listTasks'
  | 'createTask'
  | 'getTask'
  | 'patchTask'
  | 'getDetails'
  | 'patchDetails';

export interface GraphRequest {
  operation: GraphOperation | 'unknown';
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  json: unknown;
  form?: URLSearchParams;
  at: number;
}

export type GraphReply = ScriptedReply;

export interface FakeTask {
  id: string;
  planId: string;
  bucketId: string | null;
  title: string;
  percentComplete: number;
  createdDateTime: string;
  assignments: Record<string, unknown>;
  version: number;
  details: {
    description: string;
    previewType: string;
    checklist: Record<string, { title: string; isChecked: boolean }>;
    references: Record<string, { alias?: string; type?: string }>;
    version: number;
  };
}

export const TENANT = 'contoso.onmicrosoft.com';
export const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
export const CLIENT_SECRET = 'sEcr3t~GraphClientS3cret.0123456789';
export const PLAN_ID = 'xqQg5FS2LkCp935s-FIFm2QAFkHM';
export const BUCKET_ID = 'hsOf2dhOJkqyYYZEtdzDe2QAIUCR';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const Assignment = z.strictObject({
  '@odata.type': z.literal('#microsoft.graph.plannerAssignment'),
  orderHint: z.string(),
});
/** plannerTask's writable properties (Graph v1.0). */
const TaskWritable = {
  bucketId: z.string().min(1).optional(),
  title: z.string().min(1).max(255).optional(),
  percentComplete: z.number().int().min(0).max(100).optional(),
  priority: z.number().int().min(0).max(10).optional(),
  dueDateTime: z.string().nullish(),
  startDateTime: z.string().nullish(),
  orderHint: z.string().optional(),
  assigneePriority: z.string().optional(),
  assignments: z.record(z.string().min(1), Assignment.nullable()).optional(),
  appliedCategories: z.record(z.string(), z.boolean()).optional(),
};
const CreateTaskBody = z.strictObject({
  ...TaskWritable,
  planId: z.string().min(1),
  title: z.string().min(1).max(255),
});
const PatchTaskBody = z.strictObject(TaskWritable);
const ChecklistItem = z.strictObject({
  '@odata.type': z.literal('microsoft.graph.plannerChecklistItem'),
  title: z.string().min(1).max(100),
  isChecked: z.boolean().optional(),
  orderHint: z.string().optional(),
});
const ExternalReference = z.strictObject({
  '@odata.type': z.literal('microsoft.graph.plannerExternalReference'),
  alias: z.string().optional(),
  type: z.string().optional(),
  previewPriority: z.string().optional(),
});
/** A references key is a URL with `%`, `.`, `:`, `@` and `#` percent-encoded. */
const ReferenceKey = z
  .string()
  .refine((key) => !/[.:@#]/.test(key), 'reference keys must encode ".", ":", "@" and "#"')
  .refine((key) => {
    try {
      return /^https?:\/\//.test(new URL(decodeURIComponent(key)).href);
    } catch {
      return false;
    }
  }, 'a reference key must be an encoded URL');
const PatchDetailsBody = z.strictObject({
  description: z.string().optional(),
  previewType: z.enum(['automatic', 'noPreview', 'checklist', 'description', 'reference']).optional(),
  checklist: z
    .record(z.string().regex(GUID, 'checklist keys are GUIDs'), ChecklistItem.nullable())
    .optional(),
  references: z.record(ReferenceKey, ExternalReference.nullable()).optional(),
});
const TokenForm = z.strictObject({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  scope: z.string().regex(/\/\.default$/, 'the client-credentials scope is "<resource>/.default"'),
});

export class FakeGraph extends OperationFake<GraphOperation, GraphRequest, GraphReply> {
  readonly tasks = new Map<string, FakeTask>();
  /** How many tasks one page of GET /planner/plans/{id}/tasks holds before an @odata.nextLink. */
  pageSize = 100;
  /** Token lifetime the token endpoint announces, in seconds. */
  expiresIn = 3599;
  private readonly tokens = new Set<string>();
  private revoked = false;
  private clock = Date.parse('2026-01-05T09:00:00Z');

  private constructor() {
    super();
  }

  static async start(options: LoopbackOptions = {}): Promise<FakeGraph> {
    return new FakeGraph().listen(options);
  }

  get apiUrl(): string {
    return `${this.baseUrl}/v1.0`;
  }

  task(id: string): FakeTask {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`FakeGraph has no task ${id}`);
    return task;
  }

  /** The app's secret is revoked: tokens already issued stop working and no new one is given. */
  revokeClient(): void {
    this.revoked = true;
    this.tokens.clear();
  }

  /** Every token issued so far stops working, as when one expires or is revoked. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** A task made as a person would make it in Planner (not through the recorded requests). */
  seed(title: string, percentComplete = 0): FakeTask {
    return this.store({ title, planId: PLAN_ID, bucketId: BUCKET_ID, percentComplete });
  }

  /** A change made in Planner's UI: the etags Threadline read before it are stale now. */
  edit(id: string, change: Partial<Pick<FakeTask, 'title' | 'percentComplete'>>): void {
    const task = this.task(id);
    Object.assign(task, change);
    task.version++;
  }

  private store(fields: {
    title: string;
    planId: string;
    bucketId?: string;
    percentComplete?: number;
    assignments?: Record<string, unknown>;
  }): FakeTask {
    this.clock += 1000;
    const task: FakeTask = {
      id: randomBytes(21).toString('base64url'),
      planId: fields.planId,
      bucketId: fields.bucketId ?? null,
      title: fields.title,
      percentComplete: fields.percentComplete ?? 0,
      createdDateTime: new Date(this.clock).toISOString(),
      assignments: fields.assignments ?? {},
      version: 1,
      details: { description: '', previewType: 'automatic', checklist: {}, references: {}, version: 1 },
    };
    this.tasks.set(task.id, task);
    return task;
  }

  protected handle(request: LoopbackRequest, res: ServerResponse): void {
    const { url, json } = this.read(request);
    const route = this.route(request.method, url.pathname);
    const form = route?.operation === 'token' ? new URLSearchParams(request.raw) : undefined;
    this.requests.push({
      operation: route?.operation ?? 'unknown',
      method: request.method,
      path: url.pathname,
      headers: request.headers,
      json,
      ...(form ? { form } : {}),
      at: Date.now(),
    });
    this.answer(res, route?.operation, () =>
      !route
        ? graphError(400, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`)
        : route.operation !== 'token' && !this.authorised(request.headers)
          ? graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.')
          : route.answer({ json, raw: request.raw, headers: request.headers, query: url.searchParams }),
    );
  }

  /** Graph sends no content type with an empty body. */
  protected override contentType(_reply: GraphReply, text: string): string | undefined {
    return text === '' ? undefined : 'application/json; odata.metadata=minimal';
  }

  private authorised(headers: IncomingHttpHeaders): boolean {
    const match = /^Bearer (.+)$/.exec(headers.authorization ?? '');
    return match?.[1] !== undefined && this.tokens.has(match[1]);
  }

  private route(
    method: string,
    path: string,
  ): { operation: GraphOperation; answer: (req: Incoming) => GraphReply } | undefined {
    const routes: Array<[string, RegExp, GraphOperation, (id: string, req: Incoming) => GraphReply]> = [
      ['POST', /^\/([^/]+)\/oauth2\/v2\.0\/token$/, 'token', (tenant, req) => this.token(tenant, req.raw)],
      ['GET', /^\/v1\.0\/planner\/plans\/([^/]+)$/, 'getPlan', (id) => this.plan(id)],
      ['GET', /^\/v1\.0\/planner\/buckets\/([^/]+)$/, 'getBucket', (id) => this.bucket(id)],
      [
        'GET',
        /^\/v1\.0\/planner\/plans\/([^/]+)\/tasks$/,
        'listTasks',
        (id, req) => this.list(id, req.query),
      ],
      ['POST', /^\/v1\.0\/planner\/(tasks)$/, 'createTask', (_, req) => this.create(req.json)],
      [
        'GET',
        /^\/v1\.0\/planner\/tasks\/([^/]+)$/,
        'getTask',
        (id) => this.withTask(id, (t) => ok(this.view(t))),
      ],
      [
        'PATCH',
        /^\/v1\.0\/planner\/tasks\/([^/]+)$/,
        'patchTask',
        (id, req) => this.withTask(id, (t) => this.patchTask(t, req)),
      ],
      [
        'GET',
        /^\/v1\.0\/planner\/tasks\/([^/]+)\/details$/,
        'getDetails',
        (id) => this.withTask(id, (t) => ok(this.viewDetails(t))),
      ],
      [
        'PATCH',
        /^\/v1\.0\/planner\/tasks\/([^/]+)\/details$/,
        'patchDetails',
        (id, req) => this.withTask(id, (t) => this.patchDetails(t, req)),
      ],
    ];
    for (const [verb, pattern, operation, answer] of routes) {
      const match = verb === method ? pattern.exec(path) : null;
      if (match) return { operation, answer: (req) => answer(decodeURIComponent(match[1] ?? ''), req) };
    }
    return undefined;
  }

  private token(tenant: string, raw: string): GraphReply {
    const form = TokenForm.safeParse(Object.fromEntries(new URLSearchParams(raw)));
    if (!form.success)
      return {
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: `AADSTS900144: ${form.error.issues[0]?.message}`,
        },
      };
    if (tenant !== TENANT)
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${tenant}' not found.` },
      };
    if (form.data.client_id !== CLIENT_ID || form.data.client_secret !== CLIENT_SECRET || this.revoked)
      return {
        status: 401,
        body: {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        },
      };
    const token = `eyJ0eXAi.${randomBytes(12).toString('base64url')}`;
    this.tokens.add(token);
    return ok({
      token_type: 'Bearer',
      expires_in: this.expiresIn,
      ext_expires_in: this.expiresIn,
      access_token: token,
    });
  }

  private plan(id: string): GraphReply {
    if (id !== PLAN_ID) return graphError(404, 'NotFound', 'The requested item is not found.');
    return ok({ id, title: 'Threadline specs', owner: 'ebf3b108-5234-4e22-b93d-656d7dae5874' });
  }

  private bucket(id: string): GraphReply {
    if (id !== BUCKET_ID) return graphError(404, 'NotFound', 'The requested item is not found.');
    return ok({ id, name: 'Specs', planId: PLAN_ID, orderHint: '85752723360752+' });
  }

  private list(planId: string, query: URLSearchParams): GraphReply {
    if (planId !== PLAN_ID) return graphError(404, 'NotFound', 'The requested item is not found.');
    const all = [...this.tasks.values()].filter((t) => t.planId === planId);
    const skip = Number(query.get('$skiptoken') ?? '0');
    const page = all.slice(skip, skip + this.pageSize);
    const more = skip + this.pageSize < all.length;
    return ok({
      '@odata.context': `${this.apiUrl}/$metadata#planner/plans('${planId}')/tasks`,
      value: page.map((t) => this.view(t)),
      ...(more
        ? {
            '@odata.nextLink': `${this.apiUrl}/planner/plans/${planId}/tasks?$skiptoken=${skip + this.pageSize}`,
          }
        : {}),
    });
  }

  private create(json: unknown): GraphReply {
    const body = CreateTaskBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    if (body.data.planId !== PLAN_ID) return graphError(404, 'NotFound', 'The requested item is not found.');
    if (body.data.bucketId && body.data.bucketId !== BUCKET_ID)
      return graphError(400, 'BadRequest', 'The bucket does not belong to the plan.');
    const task = this.store({
      title: body.data.title,
      planId: body.data.planId,
      bucketId: body.data.bucketId,
      percentComplete: body.data.percentComplete,
      assignments: body.data.assignments ?? {},
    });
    return { status: 201, body: this.view(task) };
  }

  private patchTask(task: FakeTask, req: Incoming): GraphReply {
    const stale = this.precondition(req.headers, taskEtag(task));
    if (stale) return stale;
    const body = PatchTaskBody.safeParse(req.json);
    if (!body.success) return invalid(body.error);
    const { assignments, title, percentComplete } = body.data;
    if (title !== undefined) task.title = title;
    if (percentComplete !== undefined) task.percentComplete = percentComplete;
    if (assignments) Object.assign(task.assignments, assignments);
    task.version++;
    return { status: 204 };
  }

  private patchDetails(task: FakeTask, req: Incoming): GraphReply {
    const stale = this.precondition(req.headers, detailsEtag(task));
    if (stale) return stale;
    const body = PatchDetailsBody.safeParse(req.json);
    if (!body.success) return invalid(body.error);
    const { description, previewType, checklist, references } = body.data;
    const d = task.details;
    if (description !== undefined) d.description = description;
    if (previewType !== undefined) d.previewType = previewType;
    for (const [key, item] of Object.entries(checklist ?? {})) {
      if (item === null) delete d.checklist[key];
      else d.checklist[key] = { title: item.title, isChecked: item.isChecked ?? false };
    }
    if (Object.keys(d.checklist).length > 20)
      return graphError(
        403,
        'Forbidden',
        'MaximumChecklistItemsOnTask: the task has more than 20 checklist items.',
      );
    for (const [key, ref] of Object.entries(references ?? {})) {
      if (ref === null) delete d.references[key];
      else d.references[key] = { alias: ref.alias, type: ref.type };
    }
    d.version++;
    return { status: 204 };
  }

  private precondition(headers: IncomingHttpHeaders, etag: string): GraphReply | undefined {
    const sent = headers['if-match'];
    if (!sent)
      return graphError(400, 'BadRequest', 'The If-Match header must be specified for this kind of request.');
    if (sent !== etag)
      return graphError(
        412,
        'PreconditionFailed',
        'The request does not match the current version of the resource.',
      );
    return undefined;
  }

  private withTask(id: string, answer: (task: FakeTask) => GraphReply): GraphReply {
    const task = this.tasks.get(id);
    return task ? answer(task) : graphError(404, 'NotFound', 'The requested item is not found.');
  }

  private view(task: FakeTask): Record<string, unknown> {
    return {
      '@odata.etag': taskEtag(task),
      planId: task.planId,
      bucketId: task.bucketId,
      title: task.title,
      orderHint: '8585269241124415133',
      percentComplete: task.percentComplete,
      createdDateTime: task.createdDateTime,
      hasDescription: task.details.description !== '',
      previewType: task.details.previewType,
      referenceCount: Object.keys(task.details.references).length,
      checklistItemCount: Object.keys(task.details.checklist).length,
      activeChecklistItemCount: Object.values(task.details.checklist).filter((i) => !i.isChecked).length,
      assignments: task.assignments,
      id: task.id,
    };
  }

  private viewDetails(task: FakeTask): Record<string, unknown> {
    const d = task.details;
    return {
      '@odata.etag': detailsEtag(task),
      description: d.description,
      previewType: d.previewType,
      id: task.id,
      references: Object.fromEntries(
        Object.entries(d.references).map(([k, r]) => [
          k,
          { ...r, '@odata.type': '#microsoft.graph.plannerExternalReference' },
        ]),
      ),
      checklist: Object.fromEntries(
        Object.entries(d.checklist).map(([k, i]) => [
          k,
          { ...i, '@odata.type': '#microsoft.graph.plannerChecklistItem' },
        ]),
      ),
    };
  }
}

interface Incoming {
  json: unknown;
  raw: string;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
}

function taskEtag(task: FakeTask): string {
  return `W/"${Buffer.from(`task-${task.id}-${task.version}`).toString('base64')}"`;
}

function detailsEtag(task: FakeTask): string {
  return `W/"${Buffer.from(`details-${task.id}-${task.details.version}`).toString('base64')}"`;
}

function ok(body: unknown): GraphReply {
  return { status: 200, body };
}

export function graphError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): GraphReply {
  return {
    status,
    ...(headers ? { headers } : {}),
    body: {
      error: {
        code,
        message,
        innerError: { 'request-id': 'c9d6a3b2-0000-0000-0000-000000000000', date: '2026-01-05T09:00:00' },
      },
    },
  };
}

function invalid(error: z.ZodError): GraphReply {
  const issue = error.issues[0];
  return graphError(400, 'BadRequest', `Invalid request body: ${issue?.path.join('.')}: ${issue?.message}`);
}
