import { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { HttpClient } from '../../net/http-client.js';
import type { HealthResult } from '../connector.js';
import {
  carriesMarker,
  htmlCommentMarker,
  type NewTicket,
  type PullRequestLink,
  type SpecStage,
  type TicketRef,
  type TicketTracker,
} from '../ticketing/tracker.js';
import type { GitHubProjectsIntegrationConfig } from './schema.js';
import { githubFetch, unwrapGitHubError } from './transport.js';

/** What we read of GitHub's answers; anything else in them is ignored. */
const RestIssue = z.looseObject({
  number: z.number().int(),
  node_id: z.string(),
  title: z.string(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  pull_request: z.unknown().optional(),
});
const RestComment = z.looseObject({ body: z.string().nullish() });
const Repository = z.looseObject({ full_name: z.string() });
const Viewer = z.looseObject({ login: z.string().min(1) });

const Option = z.looseObject({ id: z.string(), name: z.string() });
const ProjectField = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  options: z.array(Option).optional(),
});
const ProjectNode = z.looseObject({
  id: z.string(),
  title: z.string(),
  fields: z.looseObject({ nodes: z.array(ProjectField.nullable()) }),
});
const ProjectAnswer = z.looseObject({
  repositoryOwner: z.looseObject({ projectV2: ProjectNode.nullish() }).nullable(),
});
const IssueAnswer = z.looseObject({
  repository: z
    .looseObject({
      issue: z
        .looseObject({
          id: z.string(),
          number: z.number().int(),
          title: z.string(),
          url: z.string(),
          state: z.enum(['OPEN', 'CLOSED']),
          projectItems: z.looseObject({
            nodes: z.array(
              z
                .looseObject({
                  id: z.string(),
                  project: z.looseObject({ id: z.string() }),
                  fieldValueByName: z.looseObject({ name: z.string().nullish() }).nullish(),
                })
                .nullable(),
            ),
          }),
        })
        .nullable(),
    })
    .nullable(),
});
const AddedItem = z.looseObject({
  addProjectV2ItemById: z.looseObject({ item: z.looseObject({ id: z.string() }) }),
});

const PROJECT_QUERY = `query ($owner: String!, $number: Int!) {
  repositoryOwner(login: $owner) {
    ... on ProjectV2Owner {
      projectV2(number: $number) {
        id
        title
        fields(first: 50) { nodes { ... on ProjectV2SingleSelectField { id name options { id name } } } }
      }
    }
  }
}`;
const ISSUE_QUERY = `query ($owner: String!, $repo: String!, $number: Int!, $field: String!) {
  repository(owner: $owner, name: $repo) {
    issue(number: $number) {
      id number title url state
      projectItems(first: 50) {
        nodes {
          id
          project { id }
          fieldValueByName(name: $field) { ... on ProjectV2ItemFieldSingleSelectValue { name } }
        }
      }
    }
  }
}`;
const ADD_ITEM = `mutation ($project: ID!, $content: ID!) {
  addProjectV2ItemById(input: { projectId: $project, contentId: $content }) { item { id } }
}`;
const SET_STATUS = `mutation ($project: ID!, $item: ID!, $field: ID!, $option: String!) {
  updateProjectV2ItemFieldValue(
    input: { projectId: $project, itemId: $item, fieldId: $field, value: { singleSelectOptionId: $option } }
  ) { projectV2Item { id } }
}`;

interface Project {
  id: string;
  title: string;
  /** The single-select field named by `status_field`. */
  status: { id: string; options: Array<{ id: string; name: string }> };
}

interface Issue {
  id: string;
  number: number;
  title: string;
  url: string;
  closed: boolean;
  /** The issue's item in the configured project, and its status there. */
  item?: { id: string; status?: string };
}

/** The label that marks a spec's issue, so findBySpec finds it again after a crash. */
export function specLabel(specId: string): string {
  return `spec:${specId}`;
}

/** The comment that links a pull request; its first line is what makes linking idempotent. */
export function pullRequestComment(pr: PullRequestLink): string {
  return `Linked pull request #${pr.number}${pr.title ? `: ${pr.title}` : ''}\n\n${pr.url}`;
}

export type GitHubTrackerConfig = GitHubProjectsIntegrationConfig & { token: string; repository: string };

/**
 * GitHub Issues in the configured repository through @octokit/rest, and the issue's item in a
 * Projects v2 project through Octokit's GraphQL client (the same token, base URL and fetch).
 * Issues are labelled `spec:<id>`; the project's single-select `status_field` follows the spec
 * stage through `status_mappings` (stage → option name).
 */
export class GitHubTracker implements TicketTracker {
  readonly system = 'github' as const;
  readonly owner: string;
  readonly repo: string;
  private readonly client: Octokit;
  private project: Promise<Project> | undefined;
  private actor: Promise<string> | undefined;

  constructor(
    private readonly block: GitHubTrackerConfig,
    http: HttpClient,
    timeoutMs: number,
  ) {
    const { owner, repo } = repositoryOf(block);
    this.owner = owner;
    this.repo = repo;
    this.client = new Octokit({
      auth: block.token,
      baseUrl: block.api_url.replace(/\/+$/, ''),
      userAgent: 'threadline',
      request: { fetch: githubFetch(http, timeoutMs) },
      // Octokit logs failed requests to the console by default; ours are logged where they are handled.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  recognises(key: string): boolean {
    return parseKey(key)?.repository.toLowerCase() === `${this.owner}/${this.repo}`.toLowerCase();
  }

  async create(ticket: NewTicket): Promise<TicketRef> {
    const criteria = ticket.acceptanceCriteria ?? [];
    const body = [
      ...(ticket.description ? [ticket.description] : []),
      ...(criteria.length > 0 ? ['### Acceptance criteria', ...criteria.map((c) => `- [ ] ${c}`)] : []),
    ].join('\n\n');
    const created = await this.call('create an issue', async () =>
      RestIssue.parse(
        (
          await this.client.rest.issues.create({
            owner: this.owner,
            repo: this.repo,
            title: ticket.title.slice(0, 256),
            ...(body ? { body } : {}),
            ...(ticket.specId ? { labels: [specLabel(ticket.specId)] } : {}),
          })
        ).data,
      ),
    );
    const key = this.keyOf(created.number);
    await this.addToProject(key, created.node_id);
    const draft = this.block.status_mappings.draft;
    if (draft) await this.setStatus(key, draft, 'draft');
    return this.get(key);
  }

  async findBySpec(specId: string): Promise<TicketRef | undefined> {
    const found = await this.call('list issues by label', async () =>
      z.array(RestIssue).parse(
        (
          await this.client.rest.issues.listForRepo({
            owner: this.owner,
            repo: this.repo,
            labels: specLabel(specId),
            state: 'all',
            sort: 'created',
            direction: 'asc',
            per_page: 10,
          })
        ).data,
      ),
    );
    // The issues list includes pull requests; a spec's ticket is an issue.
    const first = found.find((issue) => issue.pull_request === undefined);
    if (!first) return undefined;
    const key = this.keyOf(first.number);
    // A crash may have come between creating the issue and adding it to the project.
    await this.addToProject(key, first.node_id);
    return this.get(key);
  }

  async get(key: string): Promise<TicketRef> {
    return this.ref(await this.read(key));
  }

  async comment(key: string, text: string, marker?: string): Promise<void> {
    const number = this.numberOf(key);
    await this.call(`comment on ${key}`, () =>
      this.client.rest.issues.createComment({
        owner: this.owner,
        repo: this.repo,
        issue_number: number,
        // GitHub's Markdown shows no HTML comment: the marker is there for hasComment only.
        body: marker ? `${text}\n\n${htmlCommentMarker(marker)}` : text,
      }),
    );
  }

  async hasComment(key: string, marker: string): Promise<boolean> {
    const comments = await this.comments(key);
    return comments.some((c) => carriesMarker(c.body ?? '', marker));
  }

  async transition(key: string, stage: SpecStage): Promise<TicketRef | undefined> {
    const option = this.block.status_mappings[stage];
    if (option === undefined) return undefined;
    return this.setStatus(key, option, stage);
  }

  async linkPullRequest(key: string, pr: PullRequestLink): Promise<void> {
    const comments = await this.comments(key);
    const marker = new RegExp(`^Linked pull request #${pr.number}(?!\\d)`);
    if (comments.some((c) => marker.test(c.body ?? ''))) return;
    await this.comment(key, pullRequestComment(pr));
  }

  /** Every comment of the issue, every page of them. */
  private async comments(key: string): Promise<Array<z.infer<typeof RestComment>>> {
    const number = this.numberOf(key);
    return this.call(`read the comments of ${key}`, async () =>
      z.array(RestComment).parse(
        await this.client.paginate(this.client.rest.issues.listComments, {
          owner: this.owner,
          repo: this.repo,
          issue_number: number,
          per_page: 100,
        }),
      ),
    );
  }

  async close(key: string): Promise<TicketRef> {
    const issue = await this.read(key);
    if (issue.closed) return this.ref(issue);
    await this.call(`close ${key}`, () =>
      this.client.rest.issues.update({
        owner: this.owner,
        repo: this.repo,
        issue_number: issue.number,
        state: 'closed',
        state_reason: 'completed',
      }),
    );
    return { ...this.ref(issue), status: 'Closed' };
  }

  async check(): Promise<HealthResult> {
    try {
      const repository = await this.call(`read repository ${this.owner}/${this.repo}`, async () =>
        Repository.parse((await this.client.rest.repos.get({ owner: this.owner, repo: this.repo })).data),
      );
      const project = await this.loadProject();
      const names = project.status.options.map((o) => o.name);
      const missing = Object.entries(this.block.status_mappings).filter(([, name]) => !names.includes(name));
      if (missing.length > 0)
        return {
          ok: false,
          detail: `project #${this.block.project_number} field "${this.block.status_field}" has no option ${missing.map(([stage, name]) => `"${name}" (status_mappings.${stage})`).join(', ')}; available: ${describe(names)}`,
        };
      return {
        ok: true,
        detail: `repository ${repository.full_name}, project #${this.block.project_number} "${project.title}", field "${this.block.status_field}" (${describe(names)})`,
      };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Threadline's GitHub login (GET /user), asked once per process. */
  ownActor(): Promise<string> {
    this.actor ??= this.call('read the authenticated user', async () =>
      Viewer.parse((await this.client.rest.users.getAuthenticated()).data),
    ).then((me) => me.login);
    // A failed lookup is asked again next time instead of being remembered.
    this.actor.catch(() => {
      this.actor = undefined;
    });
    return this.actor;
  }

  private async setStatus(key: string, optionName: string, stage: string): Promise<TicketRef> {
    const project = await this.loadProject();
    const option = project.status.options.find((o) => o.name === optionName);
    if (!option)
      throw new ValidationError(
        `GitHub project #${this.block.project_number} field "${this.block.status_field}" has no option "${optionName}" (integrations.github_projects.status_mappings.${stage}); available: ${describe(project.status.options.map((o) => o.name))}`,
      );
    const issue = await this.read(key);
    if (issue.item?.status === option.name) return this.ref(issue);
    const itemId = issue.item?.id ?? (await this.addToProject(key, issue.id));
    await this.graphql(`set ${this.block.status_field} of ${key} to "${option.name}"`, SET_STATUS, {
      project: project.id,
      item: itemId,
      field: project.status.id,
      option: option.id,
    });
    return { ...this.ref(issue), status: issue.closed ? 'Closed' : option.name };
  }

  /** Adds the issue to the project; GitHub answers with the existing item when it is already there. */
  private async addToProject(key: string, contentId: string): Promise<string> {
    const project = await this.loadProject();
    const added = AddedItem.parse(
      await this.graphql(`add ${key} to project #${this.block.project_number}`, ADD_ITEM, {
        project: project.id,
        content: contentId,
      }),
    );
    return added.addProjectV2ItemById.item.id;
  }

  /** The project, its id and its status field, looked up by number once per process. */
  private loadProject(): Promise<Project> {
    this.project ??= this.findProject();
    // A failed lookup (GitHub down, a typo fixed later) is asked again next time.
    this.project.catch(() => {
      this.project = undefined;
    });
    return this.project;
  }

  private async findProject(): Promise<Project> {
    const number = this.block.project_number;
    const owner = this.block.owner ?? this.owner;
    const answer = ProjectAnswer.parse(
      await this.graphql(`find project #${number} of ${owner}`, PROJECT_QUERY, { owner, number }),
    );
    const project = answer.repositoryOwner?.projectV2;
    if (!project)
      throw new NotFoundError(
        `GitHub has no project #${number} owned by ${owner} (integrations.github_projects.project_number), or the token cannot see it`,
      );
    const selects = project.fields.nodes.filter(
      (f): f is z.infer<typeof ProjectField> & { id: string; name: string } =>
        f?.id !== undefined && f.name !== undefined && f.options !== undefined,
    );
    const status = selects.find((f) => f.name === this.block.status_field);
    if (!status)
      throw new ValidationError(
        `GitHub project #${number} has no single-select field "${this.block.status_field}" (integrations.github_projects.status_field); single-select fields: ${describe(selects.map((f) => f.name))}`,
      );
    return { id: project.id, title: project.title, status: { id: status.id, options: status.options ?? [] } };
  }

  private async read(key: string): Promise<Issue> {
    const number = this.numberOf(key);
    const [project, answer] = await Promise.all([
      this.loadProject(),
      this.graphql(`read ${key}`, ISSUE_QUERY, {
        owner: this.owner,
        repo: this.repo,
        number,
        field: this.block.status_field,
      }).then((data) => IssueAnswer.parse(data)),
    ]);
    const issue = answer.repository?.issue;
    if (!issue) throw new NotFoundError(`GitHub has no issue ${key}`);
    const item = issue.projectItems.nodes.find((n) => n?.project.id === project.id);
    return {
      id: issue.id,
      number: issue.number,
      title: issue.title,
      url: issue.url,
      closed: issue.state === 'CLOSED',
      ...(item ? { item: { id: item.id, status: item.fieldValueByName?.name ?? undefined } } : {}),
    };
  }

  private ref(issue: Issue): TicketRef {
    return {
      key: this.keyOf(issue.number),
      url: issue.url,
      // A closed issue is closed, whatever its project column says; an open one shows its column.
      status: issue.closed ? 'Closed' : (issue.item?.status ?? 'Open'),
      title: issue.title,
      ...(issue.closed ? { done: true } : {}),
    };
  }

  private keyOf(number: number): string {
    return `${this.owner}/${this.repo}#${number}`;
  }

  private numberOf(key: string): number {
    const parsed = parseKey(key);
    if (!parsed || !this.recognises(key))
      throw new ValidationError(
        `"${key}" is not an issue of ${this.owner}/${this.repo} (like ${this.keyOf(12)})`,
      );
    return parsed.number;
  }

  private graphql(what: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
    return this.call(what, () => this.client.graphql(query, variables));
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw unwrapGitHubError(error, `GitHub: ${what}`, {
        notFound: (m) => new NotFoundError(m),
        invalid: (m) => new ValidationError(m),
      });
    }
  }
}

function parseKey(key: string): { repository: string; number: number } | undefined {
  const m = key.match(/^([A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+)#(\d+)$/);
  return m?.[1] && m[2] ? { repository: m[1], number: Number(m[2]) } : undefined;
}

/** `repository: owner/name`, or `repository: name` with `owner`. */
export function repositoryOf(block: { owner?: string; repository: string }): { owner: string; repo: string } {
  const [first, second] = block.repository.split('/');
  if (second !== undefined && first) return { owner: first, repo: second };
  if (!block.owner)
    throw new ValidationError(
      'integrations.github_projects.repository must be "owner/name", or set integrations.github_projects.owner',
    );
  return { owner: block.owner, repo: block.repository };
}

function describe(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `"${n}"`).join(', ');
}
