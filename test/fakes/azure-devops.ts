import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OperationFake, type OperationRequest, type ScriptedReply } from './fake-server.js';
import type { LoopbackOptions, LoopbackRequest } from './loopback.js';

/**
 * A loopback Azure DevOps Services organization with one project whose User Story follows the
 * Agile process (New → Active → Resolved → Closed, Removed). It checks basic auth with the PAT,
 * `api-version` on every call, the JSON Patch documents Threadline sends (content type, ops and
 * paths, the fields it sets) and the WIQL it runs, against hand-written schemas of the published
 * 7.1 definitions (JsonPatchOperation, Wiql, CommentCreate). Errors are answered like Azure does:
 * `{ "$id": "1", message: "TF…: …", typeKey, errorCode: 0, eventId: 3000 }`.
 */

export type AzureOperation =
  | 'connectionData'
  | 'project'
  | 'states'
  | 'createWorkItem'
  | 'getWorkItem'
  | 'updateWorkItem'
  | 'wiql'
  | 'addComment'
  | 'listComments';

export type AzureRequest = OperationRequest<AzureOperation>;

export type AzureReply = ScriptedReply;

export interface FakeWorkItem {
  id: number;
  rev: number;
  type: string;
  fields: Record<string, string>;
  relations: Array<{ rel: string; url: string; attributes?: Record<string, unknown> }>;
  comments: string[];
}

export const ORGANIZATION = 'contoso';
export const PROJECT = 'Fabrikam';
export const AZURE_PAT = 'ado-pat-0123456789abcdefghijklmnopqrstuvwxyz0123456789';
/** The identity the PAT belongs to (Threadline's account). */
export const BOT_IDENTITY_ID = '6c5b6f2a-4e1d-4a8b-9f4c-1a2b3c4d5e6f';
/** A person, for changes made in the Boards UI. */
export const PERSON_IDENTITY_ID = '8d2e7a91-3b4c-4f5d-8e6f-7a8b9c0d1e2f';

const AGILE_STATES = [
  { name: 'New', color: 'b2b2b2', category: 'Proposed' },
  { name: 'Active', color: '007acc', category: 'InProgress' },
  { name: 'Resolved', color: 'ff9d00', category: 'Resolved' },
  { name: 'Closed', color: '339933', category: 'Completed' },
  { name: 'Removed', color: 'ffffff', category: 'Removed' },
];
const TYPES: Record<string, typeof AGILE_STATES> = { 'User Story': AGILE_STATES, Bug: AGILE_STATES };

/** JsonPatchOperation of the published 7.1 spec; `value` is whatever JSON the field takes. */
const PatchOperation = z.strictObject({
  op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']),
  path: z.string().regex(/^\/(fields\/[\w.]+|relations\/(-|\d+)|id|rev)$/, 'not a work item patch path'),
  from: z.string().nullish(),
  value: z.unknown().optional(),
});
const PatchDocument = z.array(PatchOperation).min(1);
const Wiql = z.strictObject({ query: z.string().min(1).max(32_000) });
const CommentCreate = z.strictObject({ text: z.string().min(1) });
const HyperlinkRelation = z.strictObject({
  rel: z.literal('Hyperlink'),
  url: z.string().url(),
  attributes: z.looseObject({ comment: z.string().max(1024).optional() }).optional(),
});
const StringField = z.string();

export class FakeAzureDevOps extends OperationFake<AzureOperation, AzureRequest, AzureReply> {
  readonly items = new Map<number, FakeWorkItem>();
  private nextId = 1200;

  private constructor() {
    super();
  }

  static async start(options: LoopbackOptions = {}): Promise<FakeAzureDevOps> {
    return new FakeAzureDevOps().listen(options);
  }

  item(id: number | string): FakeWorkItem {
    const item = this.items.get(Number(id));
    if (!item) throw new Error(`FakeAzureDevOps has no work item ${id}`);
    return item;
  }

  stateOf(id: number | string): string {
    return this.item(id).fields['System.State'] ?? '';
  }

  /** A work item made as a person would make it in Boards (not through the recorded API). */
  seed(title: string): FakeWorkItem {
    const item: FakeWorkItem = {
      id: ++this.nextId,
      rev: 1,
      type: 'User Story',
      fields: { 'System.Title': title, 'System.State': 'New', 'System.WorkItemType': 'User Story' },
      relations: [],
      comments: [],
    };
    this.items.set(item.id, item);
    return item;
  }

  /**
   * Moves a work item as someone does in Boards (`by` that identity) and returns the body of the
   * `workitem.updated` service hook Azure DevOps sends for it (Web Hooks consumer, resource 1.0).
   */
  move(id: number | string, state: string, by = PERSON_IDENTITY_ID): Record<string, unknown> {
    const item = this.item(id);
    const from = item.fields['System.State'];
    item.fields['System.State'] = state;
    item.rev += 1;
    const revisedBy = {
      id: by,
      displayName: by === BOT_IDENTITY_ID ? 'Threadline' : 'Alice',
      uniqueName: by === BOT_IDENTITY_ID ? 'threadline@contoso.com' : 'alice@contoso.com',
    };
    return {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      notificationId: item.rev,
      id: '27646e0e-b520-4d2b-9411-bba7524947cd',
      eventType: 'workitem.updated',
      publisherId: 'tfs',
      message: {
        text: `User Story #${item.id} (${item.fields['System.Title']}) updated by ${revisedBy.displayName}`,
      },
      resource: {
        id: item.rev,
        workItemId: item.id,
        rev: item.rev,
        revisedBy,
        revisedDate: new Date().toISOString(),
        fields: {
          'System.Rev': { oldValue: item.rev - 1, newValue: item.rev },
          'System.State': { oldValue: from, newValue: state },
        },
        revision: { id: item.id, rev: item.rev, fields: { ...item.fields }, url: this.itemUrl(item.id) },
        url: `${this.itemUrl(item.id)}/updates/${item.rev}`,
      },
      resourceVersion: '1.0',
      resourceContainers: { collection: { id: 'c12d0eb8-e382-443b-9f9c-c52cba5014c2' } },
      createdDate: new Date().toISOString(),
    };
  }

  protected handle(request: LoopbackRequest, res: ServerResponse): void {
    const { url, json } = this.read(request);
    const route = this.route(request.method, url.pathname);
    this.record(route?.operation, request, url, json);
    this.answer(res, route?.operation, () =>
      !this.authorised(request.headers)
        ? { status: 401, body: 'Access Denied: The Personal Access Token used has expired.' }
        : !route
          ? azureError(404, 'NotFoundException', 'The resource cannot be found.')
          : (this.versionProblem(route.operation, url.searchParams) ??
            this.contentTypeProblem(route.operation, request.method, request.headers) ??
            route.answer(json, url.searchParams)),
    );
  }

  protected override contentType(reply: AzureReply): string {
    return typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  }

  private authorised(headers: IncomingHttpHeaders): boolean {
    // A PAT is the password of basic auth; Azure ignores the user name.
    const match = headers.authorization?.match(/^Basic (.+)$/);
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) === AZURE_PAT;
  }

  /** connectionData takes no api-version; comments are preview in 7.1 and need the flag. */
  private versionProblem(operation: AzureOperation, query: URLSearchParams): AzureReply | undefined {
    if (operation === 'connectionData') return undefined;
    const version = query.get('api-version');
    if (!version) return azureError(400, 'VssVersionNotSpecifiedException', 'No api-version was supplied.');
    if (operation === 'addComment' || operation === 'listComments')
      return /^7\.1-preview(\.\d+)?$/.test(version)
        ? undefined
        : azureError(
            400,
            'VssInvalidPreviewVersionException',
            `The requested version "${version}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests.`,
          );
    return version === '7.1'
      ? undefined
      : azureError(400, 'VssVersionOutOfRangeException', `version ${version}`);
  }

  /** Work item create and update take a JSON Patch document and nothing else. */
  private contentTypeProblem(
    operation: AzureOperation,
    method: string,
    headers: IncomingHttpHeaders,
  ): AzureReply | undefined {
    if (operation !== 'createWorkItem' && operation !== 'updateWorkItem') return undefined;
    return headers['content-type']?.startsWith('application/json-patch+json')
      ? undefined
      : azureError(
          415,
          'VssRequestContentTypeNotSupportedException',
          `The request indicated a Content-Type of "${headers['content-type']}" for method type "${method}" which is not supported. Valid content types for this method are: application/json-patch+json.`,
        );
  }

  private route(
    method: string,
    path: string,
  ):
    | { operation: AzureOperation; answer: (json: unknown, query: URLSearchParams) => AzureReply }
    | undefined {
    const org = `/${ORGANIZATION}`;
    if (method === 'GET' && path === `${org}/_apis/connectionData`)
      return {
        operation: 'connectionData',
        answer: () => ({
          body: {
            authenticatedUser: {
              id: BOT_IDENTITY_ID,
              descriptor: 'Microsoft.IdentityModel.Claims.ClaimsIdentity;bot',
              providerDisplayName: 'Threadline',
            },
            authorizedUser: { id: BOT_IDENTITY_ID, providerDisplayName: 'Threadline' },
            instanceId: '0d9b8e3c-1111-2222-3333-444455556666',
          },
        }),
      };
    const project = path.match(/^\/contoso\/_apis\/projects\/([^/]+)$/)?.[1];
    if (method === 'GET' && project !== undefined)
      return { operation: 'project', answer: () => this.project(decodeURIComponent(project)) };
    const inProject = path.match(/^\/contoso\/([^/_][^/]*)\/_apis\/wit\/(.+)$/);
    if (!inProject?.[1] || !inProject[2]) return undefined;
    if (decodeURIComponent(inProject[1]) !== PROJECT)
      return {
        operation: 'project',
        answer: () =>
          azureError(
            404,
            'ProjectDoesNotExistWithNameException',
            `TF200016: The following project does not exist: ${decodeURIComponent(inProject[1] ?? '')}.`,
          ),
      };
    const rest = inProject[2];
    const states = rest.match(/^workitemtypes\/([^/]+)\/states$/)?.[1];
    if (method === 'GET' && states !== undefined)
      return { operation: 'states', answer: () => this.states(decodeURIComponent(states)) };
    const createType = rest.match(/^workitems\/\$([^/]+)$/)?.[1];
    if (method === 'POST' && createType !== undefined)
      return { operation: 'createWorkItem', answer: (j) => this.create(decodeURIComponent(createType), j) };
    if (method === 'POST' && rest === 'wiql') return { operation: 'wiql', answer: (j, q) => this.wiql(j, q) };
    const itemId = rest.match(/^workitems\/(\d+)$/i)?.[1];
    if (itemId !== undefined) {
      const id = Number(itemId);
      if (method === 'GET')
        return { operation: 'getWorkItem', answer: (_j, q) => this.withItem(id, (i) => this.show(i, q)) };
      if (method === 'PATCH')
        return { operation: 'updateWorkItem', answer: (j) => this.withItem(id, (i) => this.update(i, j)) };
    }
    const commentOn = rest.match(/^workItems\/(\d+)\/comments$/)?.[1];
    if (method === 'POST' && commentOn !== undefined)
      return {
        operation: 'addComment',
        answer: (j) => this.withItem(Number(commentOn), (i) => this.comment(i, j)),
      };
    if (method === 'GET' && commentOn !== undefined)
      return {
        operation: 'listComments',
        answer: (_j, q) => this.withItem(Number(commentOn), (i) => this.listComments(i, q)),
      };
    return undefined;
  }

  private project(name: string): AzureReply {
    if (name !== PROJECT)
      return azureError(
        404,
        'ProjectDoesNotExistWithNameException',
        `TF200016: The following project does not exist: ${name}.`,
      );
    return {
      body: {
        id: 'eb6e4656-77fc-42a1-9181-4c6d8e9da5d1',
        name: PROJECT,
        state: 'wellFormed',
        visibility: 'private',
      },
    };
  }

  private states(type: string): AzureReply {
    const states = TYPES[type];
    if (!states)
      return azureError(
        404,
        'WorkItemTypeDoesNotExistException',
        `TF201036: Work item type ${type} does not exist.`,
      );
    return { body: { count: states.length, value: states } };
  }

  private create(type: string, json: unknown): AzureReply {
    if (!TYPES[type])
      return azureError(
        404,
        'WorkItemTypeDoesNotExistException',
        `TF201036: Work item type ${type} does not exist.`,
      );
    const ops = PatchDocument.safeParse(json);
    if (!ops.success) return invalidPatch(ops.error);
    const item: FakeWorkItem = {
      id: this.nextId + 1,
      rev: 1,
      type,
      fields: {
        'System.TeamProject': PROJECT,
        'System.WorkItemType': type,
        'System.State': 'New',
        'System.AreaPath': PROJECT,
        'System.IterationPath': PROJECT,
      },
      relations: [],
      comments: [],
    };
    const problem = this.apply(item, ops.data);
    if (problem) return problem;
    if (!item.fields['System.Title'])
      return ruleError(
        'System.Title',
        'TF401320: Rule Error for field Title. Error code: Required, HasValues, LimitedToValues, AllowsOldValue, InvalidEmpty.',
      );
    this.nextId = item.id;
    this.items.set(item.id, item);
    return { body: this.json(item, 'all') };
  }

  /** Applies the patch to a copy first: Azure applies a document whole or not at all. */
  private apply(
    item: FakeWorkItem,
    ops: ReadonlyArray<z.infer<typeof PatchOperation>>,
  ): AzureReply | undefined {
    const fields = { ...item.fields };
    const relations = [...item.relations];
    for (const op of ops) {
      if (op.op !== 'add' && op.op !== 'replace')
        return azureError(400, 'InvalidOperationException', `Threadline's fake does not take ${op.op}`);
      const field = op.path.match(/^\/fields\/(.+)$/)?.[1];
      if (field !== undefined) {
        const value = StringField.safeParse(op.value);
        if (!value.success) return ruleError(field, `TF401326: Invalid field value for ${field}.`);
        const problem = this.fieldProblem(item.type, field, value.data);
        if (problem) return problem;
        fields[field] = value.data;
        continue;
      }
      if (op.path === '/relations/-') {
        const relation = HyperlinkRelation.safeParse(op.value);
        if (!relation.success) return invalidPatch(relation.error);
        if (relations.some((r) => r.rel === 'Hyperlink' && r.url === relation.data.url))
          return azureError(
            400,
            'WorkItemLinkAlreadyExistsException',
            `TF201035: Relation already exists: ${relation.data.url}`,
          );
        relations.push(relation.data);
        continue;
      }
      return azureError(400, 'InvalidOperationException', `path ${op.path} is not writable`);
    }
    item.fields = fields;
    item.relations = relations;
    return undefined;
  }

  private fieldProblem(type: string, field: string, value: string): AzureReply | undefined {
    switch (field) {
      case 'System.Title':
        return value.trim() === '' || value.length > 255
          ? ruleError(
              field,
              'TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty, MaxLength.',
            )
          : undefined;
      case 'System.Description':
      case 'System.Tags':
        return undefined;
      case 'System.AreaPath':
      case 'System.IterationPath':
        return value === PROJECT || value.startsWith(`${PROJECT}\\`)
          ? undefined
          : azureError(
              400,
              'WorkItemFieldInvalidTreeNameException',
              `TF401347: Invalid tree name given for work item -1, field '${field}'.`,
            );
      case 'System.State':
        return TYPES[type]?.some((s) => s.name === value)
          ? undefined
          : ruleError(
              field,
              `TF401320: Rule Error for field State. Error code: Required, HasValues, LimitedToValues, AllowsOldValue, InvalidListValue. The field 'State' contains the value '${value}' that is not in the list of supported values`,
            );
      default:
        return azureError(400, 'WorkItemFieldInvalidException', `TF51535: Cannot find field ${field}.`);
    }
  }

  private show(item: FakeWorkItem, query: URLSearchParams): AzureReply {
    const fields = query.get('fields');
    const expand = query.get('$expand');
    if (fields && expand)
      return azureError(
        400,
        'ConflictingParametersException',
        'The expand parameter can not be used with the fields parameter.',
      );
    return {
      body: this.json(item, fields ? fields.split(',') : 'all', expand === 'relations' || expand === 'all'),
    };
  }

  private update(item: FakeWorkItem, json: unknown): AzureReply {
    const ops = PatchDocument.safeParse(json);
    if (!ops.success) return invalidPatch(ops.error);
    const problem = this.apply(item, ops.data);
    if (problem) return problem;
    item.rev += 1;
    return { body: this.json(item, 'all', true) };
  }

  /**
   * The query Threadline sends: a flat query of the project's items carrying one tag; any other
   * WIQL is answered like a query Azure cannot parse.
   */
  private wiql(json: unknown, query: URLSearchParams): AzureReply {
    const body = Wiql.safeParse(json);
    if (!body.success) return invalidPatch(body.error);
    const m = body.data.query.match(
      /^SELECT \[System\.Id\] FROM WorkItems WHERE \[System\.TeamProject\] = @project AND \[System\.Tags\] CONTAINS '((?:[^']|'')+)' ORDER BY \[System\.Id\] ASC$/,
    );
    if (!m?.[1])
      return azureError(
        400,
        'WiqlParseException',
        `TF51005: The query references a field that does not exist or is not valid: ${body.data.query}`,
      );
    const tag = m[1].replace(/''/g, "'");
    const top = Number(query.get('$top') ?? 20_000);
    const found = [...this.items.values()]
      .filter((i) =>
        (i.fields['System.Tags'] ?? '')
          .split(';')
          .map((t) => t.trim())
          .includes(tag),
      )
      .slice(0, top);
    return {
      body: {
        queryType: 'flat',
        queryResultType: 'workItem',
        asOf: new Date().toISOString(),
        columns: [{ referenceName: 'System.Id', name: 'ID' }],
        workItems: found.map((i) => ({ id: i.id, url: this.itemUrl(i.id) })),
      },
    };
  }

  /** Comments - Get Comments: `$top` of them, oldest first or newest first with `order=desc`. */
  private listComments(item: FakeWorkItem, query: URLSearchParams): AzureReply {
    const all = item.comments.map((text, i) => ({
      workItemId: item.id,
      id: i + 1,
      version: 1,
      text,
      createdBy: { id: BOT_IDENTITY_ID, displayName: 'Threadline' },
    }));
    if (query.get('order') === 'desc') all.reverse();
    const top = Number(query.get('$top') ?? 200);
    const comments = all.slice(0, top);
    return { body: { totalCount: all.length, count: comments.length, comments } };
  }

  private comment(item: FakeWorkItem, json: unknown): AzureReply {
    const body = CommentCreate.safeParse(json);
    if (!body.success) return invalidPatch(body.error);
    item.comments.push(body.data.text);
    return {
      body: {
        workItemId: item.id,
        id: item.comments.length,
        version: 1,
        text: body.data.text,
        createdBy: { id: BOT_IDENTITY_ID, displayName: 'Threadline' },
        createdDate: new Date().toISOString(),
      },
    };
  }

  private json(
    item: FakeWorkItem,
    fields: readonly string[] | 'all',
    relations = false,
  ): Record<string, unknown> {
    return {
      id: item.id,
      rev: item.rev,
      fields:
        fields === 'all'
          ? { ...item.fields }
          : Object.fromEntries(Object.entries(item.fields).filter(([k]) => fields.includes(k))),
      ...(relations && item.relations.length > 0 ? { relations: item.relations } : {}),
      url: this.itemUrl(item.id),
    };
  }

  private itemUrl(id: number): string {
    return `${this.baseUrl}/${ORGANIZATION}/_apis/wit/workItems/${id}`;
  }

  private withItem(id: number, answer: (item: FakeWorkItem) => AzureReply): AzureReply {
    const item = this.items.get(id);
    return item
      ? answer(item)
      : azureError(
          404,
          'WorkItemDoesNotExistException',
          `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
        );
  }
}

/** Azure DevOps' error body. */
export function azureError(status: number, typeKey: string, message: string): AzureReply {
  return {
    status,
    body: {
      $id: '1',
      innerException: null,
      message,
      typeName: `Microsoft.VisualStudio.Services.${typeKey}`,
      typeKey,
      errorCode: 0,
      eventId: 3000,
    },
  };
}

function ruleError(field: string, message: string): AzureReply {
  return azureError(400, 'RuleValidationException', `${message} (${field})`);
}

function invalidPatch(error: z.ZodError): AzureReply {
  return azureError(
    400,
    'VssPropertyValidationException',
    error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  );
}
