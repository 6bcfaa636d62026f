import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OperationFake, parseJson, type ScriptedReply } from './fake-server.js';
import type { LoopbackOptions, LoopbackRequest } from './loopback.js';

/**
 * A loopback Linear GraphQL API (POST /graphql) with one team, its default workflow states and
 * a few labels. It checks the API key (`Authorization: <key>`, no Bearer), tells operations apart
 * by their name, and checks each one's variables against hand-written schemas of Linear's input
 * types (IssueCreateInput, IssueUpdateInput, CommentCreateInput, IssueFilter as we use it);
 * errors come back as Linear sends them, `{ errors: [{ message, extensions: { code, type } }] }`
 * with HTTP 400. Every request is recorded with its operation.
 */

export type LinearOperation =
  | 'ThreadlineTeam'
  | 'ThreadlineViewer'
  | 'ThreadlineWorkflowStates'
  | 'ThreadlineLabels'
  | 'ThreadlineFindBySpec'
  | 'ThreadlineIssue'
  | 'ThreadlineIssueCreate'
  | 'ThreadlineIssueUpdate'
  | 'ThreadlineComments'
  | 'ThreadlineCommentCreate'
  | 'ThreadlineAttachmentLinkURL';
const OPERATIONS: readonly string[] = [
  'ThreadlineTeam',
  'ThreadlineViewer',
  'ThreadlineWorkflowStates',
  'ThreadlineLabels',
  'ThreadlineFindBySpec',
  'ThreadlineIssue',
  'ThreadlineIssueCreate',
  'ThreadlineIssueUpdate',
  'ThreadlineComments',
  'ThreadlineCommentCreate',
  'ThreadlineAttachmentLinkURL',
];

export interface LinearRequest {
  operation: LinearOperation | 'unknown';
  headers: IncomingHttpHeaders;
  variables: Record<string, unknown>;
  at: number;
}

export type LinearReply = ScriptedReply;

export interface FakeLinearIssue {
  id: string;
  identifier: string;
  title: string;
  description?: string;
  labelIds: string[];
  stateId: string;
  comments: string[];
  attachments: Array<{ url: string; title?: string }>;
}

export const LINEAR_API_KEY = 'lin_api_T3stKey0123456789abcdefghijklmnopqrstuv';
export const TEAM_ID = '9cfb482a-81e3-4154-b5b9-2c805e70a02d';
export const TEAM_KEY = 'ENG';
/** The Linear user the API key belongs to (Threadline's user). */
export const BOT_USER_ID = '2c1b7f3e-5a1d-4e0a-9a59-0c3c1d8a7b01';
/** A person's user, for changes made in Linear's own app. */
export const PERSON_USER_ID = '7d0e3c9a-1f2b-4c8d-a6e5-3b9f0a1c2d44';

export const STATES = [
  { id: 'st-backlog', name: 'Backlog', type: 'backlog', position: 0 },
  { id: 'st-todo', name: 'Todo', type: 'unstarted', position: 1 },
  { id: 'st-progress', name: 'In Progress', type: 'started', position: 2 },
  { id: 'st-review', name: 'In Review', type: 'started', position: 3 },
  { id: 'st-done', name: 'Done', type: 'completed', position: 4 },
  { id: 'st-canceled', name: 'Canceled', type: 'canceled', position: 5 },
] as const;
/** `spec` belongs to the team, `automated` to the workspace, `elsewhere` to another team. */
export const LABELS = [
  { id: 'lb-spec', name: 'spec', teamId: TEAM_ID },
  { id: 'lb-automated', name: 'automated', teamId: undefined },
  { id: 'lb-elsewhere', name: 'elsewhere', teamId: 'another-team' },
];

const Body = z.strictObject({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).default({}),
  operationName: z.string().optional(),
});
const IdEq = z.strictObject({ eq: z.string() });
const VARIABLES = {
  ThreadlineTeam: z.strictObject({ id: z.string().min(1) }),
  ThreadlineViewer: z.strictObject({}),
  ThreadlineWorkflowStates: z.strictObject({ teamId: z.string().min(1) }),
  ThreadlineLabels: z.strictObject({ names: z.array(z.string().min(1)).min(1), teamId: z.string().min(1) }),
  ThreadlineFindBySpec: z.strictObject({
    filter: z.strictObject({
      team: z.strictObject({ id: IdEq }),
      description: z.strictObject({ contains: z.string().min(1) }),
    }),
  }),
  ThreadlineIssue: z.strictObject({ id: z.string().min(1) }),
  // IssueCreateInput: the fields Threadline sets, as the schema types them.
  ThreadlineIssueCreate: z.strictObject({
    input: z.strictObject({
      teamId: z.string().min(1),
      title: z.string().min(1).max(255),
      description: z.string().optional(),
      labelIds: z.array(z.string()).optional(),
      stateId: z.string().optional(),
    }),
  }),
  ThreadlineIssueUpdate: z.strictObject({
    id: z.string().min(1),
    input: z.strictObject({ stateId: z.string().min(1) }),
  }),
  ThreadlineComments: z.strictObject({ id: z.string().min(1) }),
  ThreadlineCommentCreate: z.strictObject({
    input: z.strictObject({ issueId: z.string().min(1), body: z.string().min(1) }),
  }),
  ThreadlineAttachmentLinkURL: z.strictObject({
    issueId: z.string().min(1),
    url: z.url(),
    title: z.string().min(1).optional(),
  }),
} satisfies Record<LinearOperation, z.ZodType>;

export class FakeLinear extends OperationFake<LinearOperation, LinearRequest, LinearReply> {
  readonly issues = new Map<string, FakeLinearIssue>();
  private number = 0;

  private constructor() {
    super();
  }

  get apiUrl(): string {
    return `${this.baseUrl}/graphql`;
  }

  static async start(options: LoopbackOptions = {}): Promise<FakeLinear> {
    return new FakeLinear().listen(options);
  }

  issue(identifier: string): FakeLinearIssue {
    const issue = this.issues.get(identifier);
    if (!issue) throw new Error(`FakeLinear has no issue ${identifier}`);
    return issue;
  }

  statusOf(identifier: string): string {
    return stateById(this.issue(identifier).stateId).name;
  }

  /**
   * Moves an issue as someone does in Linear's app (`by` that user) and returns the body of the
   * `Issue` `update` webhook Linear sends for it.
   */
  move(identifier: string, stateName: string, by = PERSON_USER_ID): Record<string, unknown> {
    const issue = this.issue(identifier);
    const target = STATES.find((s) => s.name === stateName);
    if (!target) throw new Error(`FakeLinear has no state ${stateName}`);
    const from = issue.stateId;
    issue.stateId = target.id;
    const now = new Date();
    return {
      action: 'update',
      type: 'Issue',
      actor: { id: by, type: 'user', name: by === BOT_USER_ID ? 'Threadline' : 'Alice' },
      createdAt: now.toISOString(),
      data: {
        ...this.issueNode(issue),
        stateId: target.id,
        teamId: TEAM_ID,
        team: { id: TEAM_ID, key: TEAM_KEY },
      },
      updatedFrom: { stateId: from, updatedAt: now.toISOString() },
      url: this.issueNode(issue).url,
      organizationId: 'org-1',
      webhookTimestamp: now.getTime(),
      webhookId: 'wh-1',
    };
  }

  protected handle(request: LoopbackRequest, res: ServerResponse): void {
    const body = Body.safeParse(parseJson(request.raw));
    const name = body.success ? body.data.query.match(/^\s*(?:query|mutation)\s+(\w+)/)?.[1] : undefined;
    const operation = name && OPERATIONS.includes(name) ? (name as LinearOperation) : undefined;
    this.requests.push({
      operation: operation ?? 'unknown',
      headers: request.headers,
      variables: body.success ? body.data.variables : {},
      at: Date.now(),
    });
    this.answer(res, operation, () =>
      this.graphql(request.method, request.url, request.headers, body, operation),
    );
  }

  private graphql(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: ReturnType<typeof Body.safeParse>,
    operation: LinearOperation | undefined,
  ): LinearReply {
    if (method !== 'POST' || new URL(url, this.baseUrl).pathname !== '/graphql')
      return { status: 404, body: { errors: [{ message: 'Not found' }] } };
    if (headers.authorization !== LINEAR_API_KEY)
      return linearError(
        'Authentication required, not authenticated',
        'AUTHENTICATION_ERROR',
        'authentication error',
      );
    if (!body.success)
      return linearError('Must provide query string.', 'GRAPHQL_PARSE_FAILED', 'graphql error');
    if (!operation) return linearError('Unknown operation', 'GRAPHQL_VALIDATION_FAILED', 'graphql error');
    const variables = VARIABLES[operation].safeParse(body.data.variables);
    if (!variables.success)
      return linearError(
        `Variable validation failed: ${variables.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        'INVALID_INPUT',
        'invalid input',
      );
    return this.run(operation, variables.data);
  }

  private run(operation: LinearOperation, v: unknown): LinearReply {
    switch (operation) {
      case 'ThreadlineTeam':
        return parseWith(VARIABLES.ThreadlineTeam, v).id === TEAM_ID
          ? data({ team: { id: TEAM_ID, key: TEAM_KEY, name: 'Engineering' } })
          : notFound('Team');
      case 'ThreadlineViewer':
        return data({ viewer: { id: BOT_USER_ID, name: 'Threadline' } });
      case 'ThreadlineWorkflowStates':
        return data({
          workflowStates: {
            nodes: parseWith(VARIABLES.ThreadlineWorkflowStates, v).teamId === TEAM_ID ? STATES : [],
          },
        });
      case 'ThreadlineLabels': {
        const { names, teamId } = parseWith(VARIABLES.ThreadlineLabels, v);
        const nodes = LABELS.filter(
          (l) => names.includes(l.name) && (l.teamId === undefined || l.teamId === teamId),
        );
        return data({ issueLabels: { nodes: nodes.map(({ id, name }) => ({ id, name })) } });
      }
      case 'ThreadlineFindBySpec': {
        const { filter } = parseWith(VARIABLES.ThreadlineFindBySpec, v);
        const nodes = [...this.issues.values()]
          .filter(
            (i) =>
              filter.team.id.eq === TEAM_ID && (i.description ?? '').includes(filter.description.contains),
          )
          .slice(0, 1)
          .map((i) => this.issueNode(i));
        return data({ issues: { nodes } });
      }
      case 'ThreadlineIssue':
        return this.withIssue(parseWith(VARIABLES.ThreadlineIssue, v).id, (i) =>
          data({ issue: this.issueNode(i) }),
        );
      case 'ThreadlineIssueCreate':
        return this.create(parseWith(VARIABLES.ThreadlineIssueCreate, v).input);
      case 'ThreadlineIssueUpdate': {
        const { id, input } = parseWith(VARIABLES.ThreadlineIssueUpdate, v);
        return this.withIssue(id, (i) => {
          if (!STATES.some((s) => s.id === input.stateId)) return notFound('WorkflowState');
          i.stateId = input.stateId;
          return data({ issueUpdate: { success: true, issue: this.issueNode(i) } });
        });
      }
      case 'ThreadlineComments':
        return this.withIssue(parseWith(VARIABLES.ThreadlineComments, v).id, (i) =>
          data({ issue: { comments: { nodes: i.comments.map((body) => ({ body })) } } }),
        );
      case 'ThreadlineCommentCreate': {
        const { input } = parseWith(VARIABLES.ThreadlineCommentCreate, v);
        return this.withIssue(input.issueId, (i) => {
          i.comments.push(input.body);
          return data({ commentCreate: { success: true } });
        });
      }
      case 'ThreadlineAttachmentLinkURL': {
        const { issueId, url, title } = parseWith(VARIABLES.ThreadlineAttachmentLinkURL, v);
        return this.withIssue(issueId, (i) => {
          // One attachment per URL on an issue: linking the URL again updates it.
          const existing = i.attachments.find((a) => a.url === url);
          if (existing) existing.title = title;
          else i.attachments.push({ url, title });
          return data({ attachmentLinkURL: { success: true } });
        });
      }
    }
  }

  private create(input: CreateInput): LinearReply {
    if (input.teamId !== TEAM_ID) return notFound('Team');
    const labelIds = input.labelIds ?? [];
    for (const id of labelIds) {
      const label = LABELS.find((l) => l.id === id);
      if (!label || (label.teamId !== undefined && label.teamId !== TEAM_ID))
        return linearError(
          'Argument Validation Error',
          'INVALID_INPUT',
          'invalid input',
          'Label does not belong to the team',
        );
    }
    if (input.stateId !== undefined && !STATES.some((s) => s.id === input.stateId))
      return notFound('WorkflowState');
    this.number += 1;
    const issue: FakeLinearIssue = {
      id: `issue-${this.number}-uuid`,
      identifier: `${TEAM_KEY}-${this.number}`,
      title: input.title,
      description: input.description,
      labelIds,
      // A new team's default state for issues made through the API is Todo.
      stateId: input.stateId ?? 'st-todo',
      comments: [],
      attachments: [],
    };
    this.issues.set(issue.identifier, issue);
    return data({ issueCreate: { success: true, issue: this.issueNode(issue) } });
  }

  private issueNode(issue: FakeLinearIssue) {
    return {
      id: issue.id,
      identifier: issue.identifier,
      title: issue.title,
      url: `https://linear.app/acme/issue/${issue.identifier}/${issue.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      state: (({ id, name, type }) => ({ id, name, type }))(stateById(issue.stateId)),
    };
  }

  /** Linear's `issue(id:)` and mutations take the UUID or the identifier (ENG-12). */
  private withIssue(id: string, answer: (issue: FakeLinearIssue) => LinearReply): LinearReply {
    const issue = this.issues.get(id) ?? [...this.issues.values()].find((i) => i.id === id);
    return issue ? answer(issue) : notFound('Issue');
  }
}

interface CreateInput {
  teamId: string;
  title: string;
  description?: string;
  labelIds?: string[];
  stateId?: string;
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  return schema.parse(value);
}

function stateById(id: string): (typeof STATES)[number] {
  const state = STATES.find((s) => s.id === id);
  if (!state) throw new Error(`FakeLinear has no state ${id}`);
  return state;
}

function data(value: unknown): LinearReply {
  return { body: { data: value } };
}

/** Linear's error answer: HTTP 400 and the GraphQL errors with a code and a type. */
export function linearError(
  message: string,
  code: string,
  type: string,
  userPresentableMessage?: string,
): LinearReply {
  return {
    status: 400,
    body: {
      errors: [
        {
          message,
          extensions: { code, type, ...(userPresentableMessage ? { userPresentableMessage } : {}) },
        },
      ],
      data: null,
    },
  };
}

function notFound(entity: string): LinearReply {
  return linearError(
    `Entity not found: ${entity}`,
    'INVALID_INPUT',
    'invalid input',
    `Could not find referenced ${entity}.`,
  );
}
