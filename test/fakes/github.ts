import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OperationFake, type OperationRequest, type ScriptedReply } from './fake-server.js';
import type { LoopbackOptions, LoopbackRequest } from './loopback.js';

/**
 * A loopback GitHub: the REST endpoints for one repository's issues, and the GraphQL API for one
 * Projects v2 project with a single-select "Status" field. It checks the token and the bodies
 * Threadline sends against hand-written schemas of GitHub's published ones (the request bodies
 * and query parameters of `@octokit/openapi` 23's api.github.com.json, whose 13 MB stay out of
 * the repository; the input types of GitHub's GraphQL schema),
 * answering 422 / GraphQL `errors` like GitHub does, and records every request with its operation.
 */

export type GitHubOperation =
  | 'user'
  | 'repo'
  | 'createIssue'
  | 'listIssues'
  | 'updateIssue'
  | 'createComment'
  | 'listComments'
  | 'findProject'
  | 'readIssue'
  | 'addItem'
  | 'setStatus';

export type GitHubRequest = OperationRequest<GitHubOperation>;

export type GitHubReply = ScriptedReply;

export interface FakeGitHubIssue {
  id: string;
  number: number;
  title: string;
  body?: string;
  labels: string[];
  state: 'open' | 'closed';
  stateReason?: string;
  comments: Array<{ id: number; body: string; user: string }>;
  /** Its item in the project, with the status option's id. */
  item?: { id: string; optionId?: string };
}

export const GITHUB_TOKEN = 'ghp_FakeGitHubT0ken0123456789abcdefABCD';
export const OWNER = 'acme';
export const REPO = 'specs';
export const BOT_LOGIN = 'threadline-bot';
export const PERSON_LOGIN = 'alice';
export const PROJECT_NUMBER = 1;
const PROJECT_ID = 'PVT_kwDOAcme0001';
const STATUS_FIELD_ID = 'PVTSSF_status0001';
export const STATUS_OPTIONS = [
  { id: 'f75ad846', name: 'Backlog' },
  { id: '47fc9ee4', name: 'In Review' },
  { id: '98236657', name: 'Ready' },
  { id: 'a1b2c3d4', name: 'Done' },
] as const;

/** POST /repos/{owner}/{repo}/issues: `issues/create` in GitHub's OpenAPI description. */
const CreateIssueBody = z.strictObject({
  title: z.union([z.string().min(1), z.number().int()]),
  body: z.string().optional(),
  assignee: z.string().nullable().optional(),
  milestone: z.union([z.string(), z.number().int()]).nullable().optional(),
  labels: z
    .array(
      z.union([
        z.string(),
        z.strictObject({
          id: z.number().int().optional(),
          name: z.string().optional(),
          description: z.string().nullable().optional(),
          color: z.string().nullable().optional(),
        }),
      ]),
    )
    .optional(),
  assignees: z.array(z.string()).optional(),
  issue_field_values: z.array(z.unknown()).optional(),
  type: z.string().nullable().optional(),
});
/** PATCH /repos/{owner}/{repo}/issues/{issue_number}: `issues/update`. */
const UpdateIssueBody = z.strictObject({
  title: z.union([z.string(), z.number().int()]).nullable().optional(),
  body: z.string().nullable().optional(),
  state: z.enum(['open', 'closed']).optional(),
  assignee: z.string().nullable().optional(),
  state_reason: z.enum(['completed', 'not_planned', 'duplicate', 'reopened']).nullable().optional(),
  duplicate_issue_id: z.number().int().optional(),
  milestone: z.union([z.string(), z.number().int()]).nullable().optional(),
  labels: z.array(z.unknown()).optional(),
  assignees: z.array(z.string()).optional(),
  issue_field_values: z.array(z.unknown()).optional(),
  type: z.string().nullable().optional(),
});
/** POST /repos/{owner}/{repo}/issues/{issue_number}/comments: `issues/create-comment`. */
const CommentBody = z.strictObject({ body: z.string().min(1) });
/** The query parameters `issues/list-for-repo` documents; anything else is a mistake of ours. */
const ListIssuesQuery = z.strictObject({
  milestone: z.string().optional(),
  state: z.enum(['open', 'closed', 'all']).optional(),
  assignee: z.string().optional(),
  type: z.string().optional(),
  creator: z.string().optional(),
  issue_field_values: z.string().optional(),
  mentioned: z.string().optional(),
  labels: z.string().optional(),
  sort: z.enum(['created', 'updated', 'comments']).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
  since: z.string().optional(),
  per_page: z.coerce.number().int().min(1).max(100).optional(),
  page: z.coerce.number().int().min(1).optional(),
});

/** The GraphQL request envelope, and the variables of each operation Threadline sends. */
const GraphqlBody = z.strictObject({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).optional(),
  operationName: z.string().optional(),
});
const ProjectVariables = z.strictObject({ owner: z.string().min(1), number: z.number().int().positive() });
const IssueVariables = z.strictObject({
  owner: z.string().min(1),
  repo: z.string().min(1),
  number: z.number().int().positive(),
  field: z.string().min(1),
});
/** AddProjectV2ItemByIdInput: projectId and contentId, both ID!. */
const AddItemVariables = z.strictObject({ project: z.string().min(1), content: z.string().min(1) });
/** UpdateProjectV2ItemFieldValueInput with a ProjectV2FieldValue of one singleSelectOptionId. */
const SetStatusVariables = z.strictObject({
  project: z.string().min(1),
  item: z.string().min(1),
  field: z.string().min(1),
  option: z.string().min(1),
});

export class FakeGitHub extends OperationFake<GitHubOperation, GitHubRequest, GitHubReply> {
  readonly issues = new Map<number, FakeGitHubIssue>();
  readonly labels = new Set<string>();
  /** The project's owner may be an organization or a user; both answer repositoryOwner. */
  projectOwner = OWNER;
  private nextId = 1;

  private constructor(
    /** GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql. */
    private readonly enterprise: boolean,
  ) {
    super();
  }

  static async start(options: { enterprise?: boolean } & LoopbackOptions = {}): Promise<FakeGitHub> {
    return new FakeGitHub(options.enterprise === true).listen(options);
  }

  /** What `api_url` is set to: the host itself, or its /api/v3 on Enterprise Server. */
  get apiUrl(): string {
    return this.enterprise ? `${this.baseUrl}/api/v3` : this.baseUrl;
  }

  issue(number: number): FakeGitHubIssue {
    const issue = this.issues.get(number);
    if (!issue) throw new Error(`FakeGitHub has no issue #${number}`);
    return issue;
  }

  statusOf(number: number): string | undefined {
    const optionId = this.issue(number).item?.optionId;
    return STATUS_OPTIONS.find((o) => o.id === optionId)?.name;
  }

  /**
   * Closes or reopens an issue as someone does on github.com (`by` that login) and returns the
   * body of the `issues` webhook GitHub sends for it.
   */
  setState(number: number, action: 'closed' | 'reopened', by = PERSON_LOGIN): Record<string, unknown> {
    const issue = this.issue(number);
    issue.state = action === 'closed' ? 'closed' : 'open';
    return {
      action,
      issue: this.restIssue(issue),
      repository: { name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER } },
      sender: { login: by, type: 'User' },
    };
  }

  protected handle(request: LoopbackRequest, res: ServerResponse): void {
    const { url, json } = this.read(request);
    const route = this.route(request.method, this.apiPath(url.pathname), json);
    this.record(route?.operation, request, url, json);
    this.answer(res, route?.operation, () =>
      !this.authorised(request.headers)
        ? {
            status: 401,
            body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
          }
        : route
          ? route.answer(json, url.searchParams)
          : {
              status: 404,
              body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
            },
    );
  }

  /** The path as GitHub.com has it, or undefined for a path outside the API. */
  private apiPath(path: string): string | undefined {
    if (!this.enterprise) return path;
    if (path === '/api/graphql') return '/graphql';
    return path.startsWith('/api/v3/') ? path.slice('/api/v3'.length) : undefined;
  }

  private authorised(headers: IncomingHttpHeaders): boolean {
    return (
      headers.authorization === `token ${GITHUB_TOKEN}` || headers.authorization === `bearer ${GITHUB_TOKEN}`
    );
  }

  private route(
    method: string,
    path: string | undefined,
    json: unknown,
  ):
    | { operation: GitHubOperation; answer: (json: unknown, query: URLSearchParams) => GitHubReply }
    | undefined {
    if (path === undefined) return undefined;
    if (method === 'POST' && path === '/graphql') return this.graphqlRoute(json);
    if (method === 'GET' && path === '/user')
      return { operation: 'user', answer: () => ({ body: { login: BOT_LOGIN, id: 1, type: 'Bot' } }) };
    const repo = path.match(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/);
    if (!repo) return undefined;
    const ours = repo[1] === OWNER && repo[2] === REPO;
    const tail = repo[3] ?? '';
    const missing = (): GitHubReply => notFound();
    if (method === 'GET' && tail === '')
      return {
        operation: 'repo',
        answer: () =>
          ours ? { body: { id: 7, name: REPO, full_name: `${OWNER}/${REPO}`, private: true } } : missing(),
      };
    if (method === 'POST' && tail === '/issues')
      return { operation: 'createIssue', answer: (j) => (ours ? this.create(j) : missing()) };
    if (method === 'GET' && tail === '/issues')
      return { operation: 'listIssues', answer: (_j, q) => (ours ? this.list(q) : missing()) };
    const issuePath = tail.match(/^\/issues\/(\d+)(\/comments)?$/);
    if (issuePath?.[1] !== undefined) {
      const number = Number(issuePath[1]);
      const comments = issuePath[2] !== undefined;
      if (method === 'PATCH' && !comments)
        return {
          operation: 'updateIssue',
          answer: (j) => this.withIssue(ours, number, (i) => this.update(i, j)),
        };
      if (method === 'POST' && comments)
        return {
          operation: 'createComment',
          answer: (j) => this.withIssue(ours, number, (i) => this.comment(i, j)),
        };
      if (method === 'GET' && comments)
        return {
          operation: 'listComments',
          answer: (_j, q) => this.withIssue(ours, number, (i) => this.listComments(i, q)),
        };
    }
    return undefined;
  }

  private graphqlRoute(
    json: unknown,
  ): { operation: GitHubOperation; answer: (json: unknown) => GitHubReply } | undefined {
    const envelope = GraphqlBody.safeParse(json);
    if (!envelope.success)
      return {
        operation: 'findProject',
        answer: () => ({ status: 400, body: { message: 'Problems parsing JSON' } }),
      };
    const { query, variables = {} } = envelope.data;
    if (query.includes('addProjectV2ItemById('))
      return {
        operation: 'addItem',
        answer: () => this.withVariables(AddItemVariables, variables, (v) => this.addItem(v)),
      };
    if (query.includes('updateProjectV2ItemFieldValue('))
      return {
        operation: 'setStatus',
        answer: () => this.withVariables(SetStatusVariables, variables, (v) => this.setStatus(v)),
      };
    if (query.includes('projectV2(number:'))
      return {
        operation: 'findProject',
        answer: () => this.withVariables(ProjectVariables, variables, (v) => this.findProject(v)),
      };
    if (query.includes('issue(number:'))
      return {
        operation: 'readIssue',
        answer: () => this.withVariables(IssueVariables, variables, (v) => this.readIssue(v)),
      };
    return undefined;
  }

  private create(json: unknown): GitHubReply {
    const body = CreateIssueBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    const labels = (body.data.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
    // Like GitHub for a writer: a label the repository does not have yet is created.
    for (const label of labels) this.labels.add(label);
    const number = this.issues.size + 1;
    const issue: FakeGitHubIssue = {
      id: `I_kwDOAcme${String(number).padStart(4, '0')}`,
      number,
      title: String(body.data.title),
      body: body.data.body,
      labels,
      state: 'open',
      comments: [],
    };
    this.issues.set(number, issue);
    return { status: 201, body: this.restIssue(issue) };
  }

  private list(query: URLSearchParams): GitHubReply {
    const params = ListIssuesQuery.safeParse(Object.fromEntries(query));
    if (!params.success) return invalid(params.error);
    const { labels, state = 'open', direction = 'desc', per_page = 30 } = params.data;
    const wanted = labels ? labels.split(',') : [];
    const found = [...this.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((l) => i.labels.includes(l)))
      .sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number))
      .slice(0, per_page);
    return { body: found.map((i) => this.restIssue(i)) };
  }

  private update(issue: FakeGitHubIssue, json: unknown): GitHubReply {
    const body = UpdateIssueBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    if (body.data.state) issue.state = body.data.state;
    if (body.data.state_reason) issue.stateReason = body.data.state_reason;
    return { body: this.restIssue(issue) };
  }

  private comment(issue: FakeGitHubIssue, json: unknown): GitHubReply {
    const body = CommentBody.safeParse(json);
    if (!body.success) return invalid(body.error);
    const comment = { id: this.nextId++, body: body.data.body, user: BOT_LOGIN };
    issue.comments.push(comment);
    return { status: 201, body: { id: comment.id, body: comment.body, user: { login: comment.user } } };
  }

  private listComments(issue: FakeGitHubIssue, query: URLSearchParams): GitHubReply {
    const perPage = Number(query.get('per_page') ?? 30);
    const page = Number(query.get('page') ?? 1);
    const slice = issue.comments.slice((page - 1) * perPage, page * perPage);
    const more = issue.comments.length > page * perPage;
    return {
      headers: more
        ? {
            link: `<${this.apiUrl}/repos/${OWNER}/${REPO}/issues/${issue.number}/comments?per_page=${perPage}&page=${page + 1}>; rel="next"`,
          }
        : {},
      body: slice.map((c) => ({ id: c.id, body: c.body, user: { login: c.user } })),
    };
  }

  private findProject(v: z.infer<typeof ProjectVariables>): GitHubReply {
    if (v.owner !== this.projectOwner)
      return graphqlError(
        'NOT_FOUND',
        `Could not resolve to a RepositoryOwner with the login of '${v.owner}'.`,
        {
          repositoryOwner: null,
        },
      );
    if (v.number !== PROJECT_NUMBER)
      return graphqlError('NOT_FOUND', `Could not resolve to a ProjectV2 with the number ${v.number}.`, {
        repositoryOwner: { projectV2: null },
      });
    return {
      body: {
        data: {
          repositoryOwner: {
            projectV2: {
              id: PROJECT_ID,
              title: 'Specs',
              fields: {
                nodes: [
                  {},
                  { id: STATUS_FIELD_ID, name: 'Status', options: STATUS_OPTIONS },
                  { id: 'PVTSSF_priority', name: 'Priority', options: [{ id: 'p1', name: 'P1' }] },
                ],
              },
            },
          },
        },
      },
    };
  }

  private readIssue(v: z.infer<typeof IssueVariables>): GitHubReply {
    if (v.owner !== OWNER || v.repo !== REPO)
      return graphqlError(
        'NOT_FOUND',
        `Could not resolve to a Repository with the name '${v.owner}/${v.repo}'.`,
        {
          repository: null,
        },
      );
    const issue = this.issues.get(v.number);
    if (!issue)
      return graphqlError('NOT_FOUND', `Could not resolve to an Issue with the number of ${v.number}.`, {
        repository: { issue: null },
      });
    const option = STATUS_OPTIONS.find((o) => o.id === issue.item?.optionId);
    return {
      body: {
        data: {
          repository: {
            issue: {
              id: issue.id,
              number: issue.number,
              title: issue.title,
              url: this.htmlUrl(issue),
              state: issue.state === 'open' ? 'OPEN' : 'CLOSED',
              projectItems: {
                nodes: issue.item
                  ? [
                      {
                        id: issue.item.id,
                        project: { id: PROJECT_ID },
                        fieldValueByName: v.field === 'Status' && option ? { name: option.name } : null,
                      },
                    ]
                  : [],
              },
            },
          },
        },
      },
    };
  }

  private addItem(v: z.infer<typeof AddItemVariables>): GitHubReply {
    const issue = [...this.issues.values()].find((i) => i.id === v.content);
    if (v.project !== PROJECT_ID || !issue)
      return graphqlError('NOT_FOUND', `Could not resolve to a node with the global id of '${v.content}'.`, {
        addProjectV2ItemById: null,
      });
    issue.item ??= { id: `PVTI_item${String(issue.number).padStart(4, '0')}` };
    return { body: { data: { addProjectV2ItemById: { item: { id: issue.item.id } } } } };
  }

  private setStatus(v: z.infer<typeof SetStatusVariables>): GitHubReply {
    const issue = [...this.issues.values()].find((i) => i.item?.id === v.item);
    if (v.project !== PROJECT_ID || !issue?.item)
      return graphqlError('NOT_FOUND', `Could not resolve to a node with the global id of '${v.item}'.`, {
        updateProjectV2ItemFieldValue: null,
      });
    if (v.field !== STATUS_FIELD_ID || !STATUS_OPTIONS.some((o) => o.id === v.option))
      return graphqlError('UNPROCESSABLE', 'The single select option Id does not belong to the field', {
        updateProjectV2ItemFieldValue: null,
      });
    issue.item.optionId = v.option;
    return { body: { data: { updateProjectV2ItemFieldValue: { projectV2Item: { id: issue.item.id } } } } };
  }

  private restIssue(issue: FakeGitHubIssue): Record<string, unknown> {
    return {
      id: 1000 + issue.number,
      node_id: issue.id,
      number: issue.number,
      title: issue.title,
      body: issue.body ?? null,
      state: issue.state,
      state_reason: issue.stateReason ?? null,
      html_url: this.htmlUrl(issue),
      url: `${this.apiUrl}/repos/${OWNER}/${REPO}/issues/${issue.number}`,
      labels: issue.labels.map((name, i) => ({ id: i + 1, name })),
      user: { login: BOT_LOGIN },
    };
  }

  private htmlUrl(issue: FakeGitHubIssue): string {
    return `https://github.com/${OWNER}/${REPO}/issues/${issue.number}`;
  }

  private withIssue(
    ours: boolean,
    number: number,
    answer: (issue: FakeGitHubIssue) => GitHubReply,
  ): GitHubReply {
    const issue = ours ? this.issues.get(number) : undefined;
    return issue ? answer(issue) : notFound();
  }

  private withVariables<T>(
    schema: z.ZodType<T>,
    variables: unknown,
    answer: (v: T) => GitHubReply,
  ): GitHubReply {
    const parsed = schema.safeParse(variables);
    if (!parsed.success)
      return graphqlError(
        'INVALID_VARIABLES',
        parsed.error.issues.map((i) => `Variable $${i.path.join('.')}: ${i.message}`).join('; '),
        null,
      );
    return answer(parsed.data);
  }
}

function notFound(): GitHubReply {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
}

/** GitHub's 422: `{ message: "Validation Failed", errors: [{ resource, field, code }] }`. */
function invalid(error: z.ZodError): GitHubReply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: error.issues.map((i) => ({
        resource: 'Issue',
        field: i.path.join('.') || 'body',
        code: 'invalid',
        message: i.message,
      })),
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

/** GraphQL failures come back with HTTP 200: partial `data` and typed `errors`. */
function graphqlError(type: string, message: string, data: unknown): GitHubReply {
  return { status: 200, body: { data, errors: [{ type, message, path: [], locations: [] }] } };
}
