import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OperationFake, type OperationRequest, type ScriptedReply } from './fake-server.js';
import type { LoopbackOptions, LoopbackRequest } from './loopback.js';

/**
 * A loopback Jira with one project and the default workflow (To Do → In Progress → Done), as
 * Jira Cloud (REST v3: basic auth with e-mail and API token, ADF documents where Jira wants
 * one) or as Jira Data Center (REST v2: a personal access token as Bearer or basic auth with
 * user and password, wiki-markup strings, users known by name, the classic search). It checks
 * the bodies Threadline sends (the required create fields, the text format) against
 * hand-written schemas of the documented shapes, answering 400 with Jira's
 * `{ errorMessages, errors }` like Jira does, and records every request with the operation it was.
 */

export type JiraOperation =
  | 'myself'
  | 'project'
  | 'createIssue'
  | 'bulkCreate'
  | 'issueTypes'
  | 'getIssue'
  | 'search'
  | 'comment'
  | 'listComments'
  | 'getTransitions'
  | 'doTransition'
  | 'remoteLink';

export type JiraRequest = OperationRequest<JiraOperation>;
export type JiraReply = ScriptedReply;

export type JiraDeployment = 'cloud' | 'data_center';

export interface FakeIssue {
  id: string;
  key: string;
  fields: Record<string, unknown> & { summary: string; labels: string[] };
  statusId: string;
  parent?: string;
  comments: unknown[];
  remoteLinks: Array<{ globalId?: string; object: { url: string; title: string } }>;
}

export const JIRA_EMAIL = 'bot@example.com';
export const JIRA_TOKEN = 'ATATT3xJiraT0kenS3cret-0123456789abcdef';
export const PROJECT = 'PROJ';
/** The account the API token belongs to (Threadline's Jira user). */
export const BOT_ACCOUNT_ID = '5b10a2844c20165700ede21g';
/** A person's account, for changes made in Jira's own UI. */
export const PERSON_ACCOUNT_ID = '5b10ac8d82e05b22cc7d4ef5';
/** Data Center: a personal access token (sent as `Authorization: Bearer`) … */
export const JIRA_PAT = 'NjU4OTQxMjM0NTY3OqXyDcPatS3cretT0ken0123456789';
/** … or a user's name and password for basic auth. */
export const JIRA_USERNAME = 'threadline';
export const JIRA_PASSWORD = 'dc-p4ssw0rd-S3cret';
/** Data Center users are known by name: the bot (the token's user) and a person. */
export const BOT_USER_NAME = JIRA_USERNAME;
export const PERSON_USER_NAME = 'alice';

const STATUSES = {
  '10000': { id: '10000', name: 'To Do', statusCategory: { key: 'new', name: 'To Do' } },
  '3': { id: '3', name: 'In Progress', statusCategory: { key: 'indeterminate', name: 'In Progress' } },
  '10001': { id: '10001', name: 'Done', statusCategory: { key: 'done', name: 'Done' } },
} as const;
type StatusId = keyof typeof STATUSES;
/** Global transitions, as a new Jira Cloud project has them: any status to any other. */
const TRANSITIONS: ReadonlyArray<{ id: string; name: string; to: StatusId }> = [
  { id: '11', name: 'To Do', to: '10000' },
  { id: '21', name: 'In Progress', to: '3' },
  { id: '31', name: 'Done', to: '10001' },
];
const ISSUE_TYPES = [
  { id: '10001', name: 'Story', subtask: false },
  { id: '10002', name: 'Task', subtask: false },
  { id: '10003', name: 'Subtask', subtask: true },
];

/** Atlassian Document Format, the part we send: a doc of paragraphs and bullet lists of text. */
const AdfText = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1),
  marks: z
    .array(
      z.strictObject({
        type: z.literal('textColor'),
        attrs: z.strictObject({ color: z.string().regex(/^#[0-9a-f]{6}$/i) }),
      }),
    )
    .optional(),
});
const AdfParagraph = z.strictObject({ type: z.literal('paragraph'), content: z.array(AdfText).optional() });
const AdfBulletList = z.strictObject({
  type: z.literal('bulletList'),
  content: z
    .array(z.strictObject({ type: z.literal('listItem'), content: z.array(AdfParagraph).min(1) }))
    .min(1),
});
export const AdfDoc = z.strictObject({
  type: z.literal('doc'),
  version: z.literal(1),
  content: z.array(z.union([AdfParagraph, AdfBulletList])),
});

/** A rich text field: an ADF document in REST v3, a wiki-markup string in REST v2. */
function richText(deployment: JiraDeployment) {
  return deployment === 'cloud' ? AdfDoc : z.string().min(1);
}

function createFields(deployment: JiraDeployment) {
  return z.looseObject({
    project: z.strictObject({ key: z.string() }),
    issuetype: z.union([z.strictObject({ name: z.string() }), z.strictObject({ id: z.string() })]),
    summary: z.string().min(1).max(255),
    description: richText(deployment).optional(),
    labels: z.array(z.string().regex(/^\S+$/, 'labels cannot contain spaces')).optional(),
    parent: z.strictObject({ key: z.string() }).optional(),
  });
}
type CreateFields = z.infer<ReturnType<typeof createFields>>;

function bodySchemas(deployment: JiraDeployment) {
  const create = z.strictObject({ fields: createFields(deployment) });
  return {
    create,
    bulk: z.strictObject({ issueUpdates: z.array(create).min(1).max(50) }),
    comment: z.looseObject({ body: richText(deployment) }),
  };
}
const TransitionBody = z.looseObject({ transition: z.strictObject({ id: z.string().regex(/^\d+$/) }) });
const RemoteLinkBody = z.looseObject({
  globalId: z.string().max(255).optional(),
  relationship: z.string().optional(),
  object: z.looseObject({ url: z.string().url(), title: z.string().min(1) }),
});
const SearchBody = z.looseObject({
  jql: z.string().min(1),
  fields: z.array(z.string()).optional(),
  maxResults: z.number().int().positive().optional(),
});

export class FakeJira extends OperationFake<JiraOperation, JiraRequest, JiraReply> {
  /** `/rest/api/3` on Cloud, `/rest/api/2` on Data Center. */
  readonly api: string;
  readonly issues = new Map<string, FakeIssue>();
  /** Custom fields the project's create screen has; any other customfield_ is refused. */
  customFields = new Set(['customfield_10001', 'customfield_10002']);
  private readonly bodies: ReturnType<typeof bodySchemas>;
  private nextId = 10_000;

  private constructor(readonly deployment: JiraDeployment) {
    super();
    this.api = deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
    this.bodies = bodySchemas(deployment);
  }

  static async start(options: LoopbackOptions & { deployment?: JiraDeployment } = {}): Promise<FakeJira> {
    return new FakeJira(options.deployment ?? 'cloud').listen(options);
  }

  issue(key: string): FakeIssue {
    const issue = this.issues.get(key);
    if (!issue) throw new Error(`FakeJira has no issue ${key}`);
    return issue;
  }

  statusOf(key: string): string {
    return STATUSES[this.issue(key).statusId as StatusId].name;
  }

  /** An issue made as a person would make it in Jira (not through the API's recorded requests). */
  seed(fields: { summary: string; labels?: string[] }): FakeIssue {
    return this.store({ summary: fields.summary, labels: fields.labels ?? [] });
  }

  /**
   * Moves an issue as someone does in Jira's UI (`by` that account) and returns the body of
   * the `jira:issue_updated` webhook Jira sends for it.
   */
  move(key: string, statusName: string, by = this.person()): Record<string, unknown> {
    const issue = this.issue(key);
    const target = Object.values(STATUSES).find((s) => s.name === statusName);
    if (!target) throw new Error(`FakeJira has no status ${statusName}`);
    const from = STATUSES[issue.statusId as StatusId];
    issue.statusId = target.id;
    return {
      timestamp: Date.now(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: this.user(by),
      issue: {
        id: issue.id,
        key: issue.key,
        self: `${this.baseUrl}${this.api}/issue/${issue.id}`,
        fields: { summary: issue.fields.summary, status: target },
      },
      changelog: {
        id: String(this.nextId++),
        items: [
          {
            field: 'status',
            fieldtype: 'jira',
            from: from.id,
            fromString: from.name,
            to: target.id,
            toString: target.name,
          },
        ],
      },
    };
  }

  /** A person's id as this deployment's webhooks name users. */
  person(): string {
    return this.deployment === 'cloud' ? PERSON_ACCOUNT_ID : PERSON_USER_NAME;
  }

  /** Threadline's own user, as this deployment's webhooks name it. */
  bot(): string {
    return this.deployment === 'cloud' ? BOT_ACCOUNT_ID : BOT_USER_NAME;
  }

  /** A user as Jira shows one: Cloud by accountId, Data Center by name and key. */
  private user(id: string): Record<string, string> {
    const displayName = id === this.bot() ? 'Threadline' : 'Alice';
    return this.deployment === 'cloud'
      ? { accountId: id, displayName }
      : { name: id, key: `JIRAUSER${id === this.bot() ? '10100' : '10200'}`, displayName };
  }

  protected handle(request: LoopbackRequest, res: ServerResponse): void {
    const { url, json } = this.read(request);
    const route = this.route(request.method, url.pathname);
    this.record(route?.operation, request, url, json);
    this.answer(res, route?.operation, () =>
      !this.authorised(request.headers)
        ? { status: 401, body: 'Client must be authenticated to access this resource.' }
        : route
          ? route.answer(json, url.searchParams)
          : { status: 404, body: { errorMessages: ['No such endpoint'], errors: {} } },
    );
  }

  protected override contentType(): string {
    return 'application/json;charset=UTF-8';
  }

  private authorised(headers: IncomingHttpHeaders): boolean {
    const basic = (user: string, secret: string) =>
      `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
    const accepted =
      this.deployment === 'cloud'
        ? [basic(JIRA_EMAIL, JIRA_TOKEN)]
        : [`Bearer ${JIRA_PAT}`, basic(JIRA_USERNAME, JIRA_PASSWORD)];
    return accepted.includes(headers.authorization ?? '');
  }

  private route(
    method: string,
    path: string,
  ): { operation: JiraOperation; answer: (json: unknown, query: URLSearchParams) => JiraReply } | undefined {
    const api = this.api;
    if (!path.startsWith(`${api}/`)) return undefined;
    const rest = path.slice(api.length);
    if (method === 'GET' && rest === '/myself')
      return {
        operation: 'myself',
        answer: () => ({ body: { ...this.user(this.bot()), emailAddress: JIRA_EMAIL, active: true } }),
      };
    const project = rest.match(/^\/project\/([^/]+)$/)?.[1];
    if (method === 'GET' && project !== undefined)
      return { operation: 'project', answer: () => this.project(project) };
    if (method === 'POST' && rest === '/issue')
      return { operation: 'createIssue', answer: (j) => this.create(j) };
    if (method === 'POST' && rest === '/issue/bulk')
      return { operation: 'bulkCreate', answer: (j) => this.bulk(j) };
    const metaProject = rest.match(/^\/issue\/createmeta\/([^/]+)\/issuetypes$/)?.[1];
    if (method === 'GET' && metaProject !== undefined)
      return {
        operation: 'issueTypes',
        answer: () => {
          if (metaProject !== PROJECT) return notFound('No project could be found with key');
          const page = { maxResults: 50, startAt: 0, total: ISSUE_TYPES.length };
          // Data Center answers a page of `values`; Cloud names the list `issueTypes`.
          return {
            body:
              this.deployment === 'cloud'
                ? { issueTypes: ISSUE_TYPES, ...page }
                : { values: ISSUE_TYPES, ...page, isLast: true },
          };
        },
      };
    // Cloud's enhanced search is /search/jql; Data Center has only the classic /search.
    if (method === 'POST' && rest === (this.deployment === 'cloud' ? '/search/jql' : '/search'))
      return { operation: 'search', answer: (j) => this.search(j) };
    const issuePath = rest.match(/^\/issue\/([^/]+)(\/[a-z]+)?$/);
    if (issuePath?.[1] !== undefined) {
      const key = decodeURIComponent(issuePath[1]);
      const tail = issuePath[2];
      if (method === 'GET' && tail === undefined)
        return { operation: 'getIssue', answer: (_j, q) => this.withIssue(key, (i) => this.show(i, q)) };
      if (method === 'POST' && tail === '/comment')
        return { operation: 'comment', answer: (j) => this.withIssue(key, (i) => this.comment(i, j)) };
      if (method === 'GET' && tail === '/comment')
        return {
          operation: 'listComments',
          answer: (_j, q) => this.withIssue(key, (i) => this.listComments(i, q)),
        };
      if (method === 'GET' && tail === '/transitions')
        return { operation: 'getTransitions', answer: () => this.withIssue(key, (i) => this.transitions(i)) };
      if (method === 'POST' && tail === '/transitions')
        return {
          operation: 'doTransition',
          answer: (j) => this.withIssue(key, (i) => this.transition(i, j)),
        };
      if (method === 'POST' && tail === '/remotelink')
        return { operation: 'remoteLink', answer: (j) => this.withIssue(key, (i) => this.remoteLink(i, j)) };
    }
    return undefined;
  }

  private project(key: string): JiraReply {
    if (key !== PROJECT) return notFound(`No project could be found with key '${key}'.`);
    return { body: { id: '10000', key: PROJECT, name: 'Project', projectTypeKey: 'software' } };
  }

  private create(json: unknown): JiraReply {
    const body = this.bodies.create.safeParse(json);
    if (!body.success) return invalid(body.error);
    const problem = this.fieldProblem(body.data.fields);
    if (problem) return { status: 400, body: { errorMessages: [], errors: problem } };
    const issue = this.storeFrom(body.data.fields);
    return {
      status: 201,
      body: { id: issue.id, key: issue.key, self: `${this.baseUrl}${this.api}/issue/${issue.id}` },
    };
  }

  private bulk(json: unknown): JiraReply {
    const body = this.bodies.bulk.safeParse(json);
    if (!body.success) return invalid(body.error);
    for (const update of body.data.issueUpdates) {
      const problem = this.fieldProblem(update.fields);
      if (problem)
        return {
          status: 400,
          body: { issues: [], errors: [{ status: 400, elementErrors: { errors: problem } }] },
        };
    }
    const issues = body.data.issueUpdates.map((u) => this.storeFrom(u.fields));
    return { status: 201, body: { issues: issues.map((i) => ({ id: i.id, key: i.key })), errors: [] } };
  }

  private fieldProblem(fields: CreateFields): Record<string, string> | undefined {
    if (fields.project.key !== PROJECT) return { project: 'valid project is required' };
    const type = ISSUE_TYPES.find((t) =>
      'name' in fields.issuetype ? t.name === fields.issuetype.name : t.id === fields.issuetype.id,
    );
    if (!type) return { issuetype: 'Specify a valid issue type' };
    if (type.subtask !== (fields.parent !== undefined))
      return { parent: type.subtask ? 'Sub-tasks need a parent' : 'Only sub-tasks have a parent' };
    if (fields.parent && !this.issues.has(fields.parent.key))
      return { parent: 'Parent issue does not exist' };
    for (const [name, value] of Object.entries(fields)) {
      if (!name.startsWith('customfield_')) continue;
      if (!this.customFields.has(name))
        return { [name]: `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.` };
      // customfield_10001 is a short text field; customfield_10002 a paragraph, which v3 wants as
      // ADF and v2 as a wiki-markup string.
      if (name === 'customfield_10001' && typeof value !== 'string')
        return { [name]: 'Operation value must be a string' };
      if (name === 'customfield_10002' && !richText(this.deployment).safeParse(value).success)
        return {
          [name]:
            this.deployment === 'cloud'
              ? 'Operation value must be an Atlassian Document'
              : 'Operation value must be a string',
        };
    }
    return undefined;
  }

  private storeFrom(fields: CreateFields): FakeIssue {
    const { project: _p, issuetype: _t, parent, ...rest } = fields;
    return this.store({ ...rest, labels: fields.labels ?? [] }, parent?.key);
  }

  private store(fields: FakeIssue['fields'], parent?: string): FakeIssue {
    const id = String(this.nextId++);
    const key = `${PROJECT}-${this.issues.size + 1}`;
    const issue: FakeIssue = { id, key, fields, statusId: '10000', parent, comments: [], remoteLinks: [] };
    this.issues.set(key, issue);
    return issue;
  }

  private show(issue: FakeIssue, query: URLSearchParams): JiraReply {
    const wanted = query.get('fields')?.split(',');
    const all: Record<string, unknown> = { ...issue.fields, status: STATUSES[issue.statusId as StatusId] };
    const fields = wanted ? Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k))) : all;
    return {
      body: { id: issue.id, key: issue.key, self: `${this.baseUrl}${this.api}/issue/${issue.id}`, fields },
    };
  }

  /** The JQL Threadline sends: `project = "P" AND labels = "L"`; anything else is refused like bad JQL. */
  private search(json: unknown): JiraReply {
    const body = SearchBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    const m = body.data.jql.match(
      /^project = "([^"]+)" AND labels = "((?:[^"\\]|\\.)+)"( ORDER BY created ASC)?$/,
    );
    if (!m)
      return {
        status: 400,
        body: { errorMessages: [`Error in the JQL Query: ${body.data.jql}`], errors: {} },
      };
    const label = (m[2] ?? '').replace(/\\"/g, '"');
    const found = [...this.issues.values()].filter(
      (i) => m[1] === PROJECT && i.fields.labels.includes(label),
    );
    const limited = found.slice(0, body.data.maxResults ?? 50);
    return {
      body: {
        issues: limited.map((i) => ({
          id: i.id,
          key: i.key,
          fields: { summary: i.fields.summary, status: STATUSES[i.statusId as StatusId] },
        })),
        isLast: true,
      },
    };
  }

  private comment(issue: FakeIssue, json: unknown): JiraReply {
    const body = this.bodies.comment.safeParse(json);
    if (!body.success) return invalid(body.error);
    issue.comments.push(body.data.body);
    return { status: 201, body: { id: String(issue.comments.length), body: body.data.body } };
  }

  /** GET …/comment: oldest first, or newest first with `orderBy=-created`; one page of maxResults. */
  private listComments(issue: FakeIssue, query: URLSearchParams): JiraReply {
    const order = query.get('orderBy') ?? 'created';
    if (!['created', '+created', '-created'].includes(order))
      return { status: 400, body: { errorMessages: [`Invalid orderBy: ${order}`], errors: {} } };
    const all = issue.comments.map((body, i) => ({
      id: String(i + 1),
      author: this.user(this.bot()),
      body,
      created: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
    }));
    if (order === '-created') all.reverse();
    const startAt = Number(query.get('startAt') ?? 0);
    const maxResults = Number(query.get('maxResults') ?? 50);
    return {
      body: {
        startAt,
        maxResults,
        total: all.length,
        comments: all.slice(startAt, startAt + maxResults),
      },
    };
  }

  private transitions(issue: FakeIssue): JiraReply {
    const available = TRANSITIONS.filter((t) => t.to !== issue.statusId);
    return {
      body: {
        expand: 'transitions',
        // Data Center's transitions carry no isAvailable (nor the other Cloud flags).
        transitions: available.map((t) =>
          this.deployment === 'cloud'
            ? {
                id: t.id,
                name: t.name,
                to: STATUSES[t.to],
                hasScreen: false,
                isGlobal: true,
                isInitial: false,
                isAvailable: true,
                isConditional: false,
                isLooped: false,
              }
            : { id: t.id, name: t.name, to: STATUSES[t.to] },
        ),
      },
    };
  }

  private transition(issue: FakeIssue, json: unknown): JiraReply {
    const body = TransitionBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    const transition = TRANSITIONS.find((t) => t.id === body.data.transition.id && t.to !== issue.statusId);
    if (!transition)
      return {
        status: 400,
        body: {
          errorMessages: [`Transition id '${body.data.transition.id}' is not valid for this issue.`],
          errors: {},
        },
      };
    issue.statusId = transition.to;
    return { status: 204 };
  }

  private remoteLink(issue: FakeIssue, json: unknown): JiraReply {
    const body = RemoteLinkBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    const existing = body.data.globalId
      ? issue.remoteLinks.findIndex((l) => l.globalId === body.data.globalId)
      : -1;
    const link = { globalId: body.data.globalId, object: body.data.object };
    if (existing >= 0) {
      issue.remoteLinks[existing] = link;
      return {
        status: 200,
        body: {
          id: existing + 1,
          self: `${this.baseUrl}${this.api}/issue/${issue.key}/remotelink/${existing + 1}`,
        },
      };
    }
    issue.remoteLinks.push(link);
    const id = issue.remoteLinks.length;
    return {
      status: 201,
      body: { id, self: `${this.baseUrl}${this.api}/issue/${issue.key}/remotelink/${id}` },
    };
  }

  private withIssue(key: string, answer: (issue: FakeIssue) => JiraReply): JiraReply {
    const issue = this.issues.get(key);
    return issue ? answer(issue) : notFound('Issue does not exist or you do not have permission to see it.');
  }
}

function notFound(message: string): JiraReply {
  return { status: 404, body: { errorMessages: [message], errors: {} } };
}

function invalid(error: z.ZodError): JiraReply {
  return {
    status: 400,
    body: {
      errorMessages: [],
      errors: Object.fromEntries(error.issues.map((i) => [i.path.join('.') || 'body', i.message])),
    },
  };
}
