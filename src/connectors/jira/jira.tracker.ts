import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import type { HttpClient } from '../../net/http-client.js';
import type { HealthResult } from '../connector.js';
import {
  carriesMarker,
  type NewTicket,
  type PullRequestLink,
  type SpecStage,
  type TicketRef,
  type TicketTracker,
} from '../ticketing/tracker.js';
import { cloudApi, dataCenterApi, type JiraApi } from './api.js';
import type { JiraAuth } from './deployment.js';
import type { JiraDeployment, JiraIntegrationConfig } from './schema.js';
import { unwrapJiraError } from './transport.js';

/** What we read of Jira's answers; anything else in them is ignored. */
const Status = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  statusCategory: z.looseObject({ key: z.string() }).optional(),
});
const Issue = z.looseObject({
  key: z.string(),
  fields: z.looseObject({ summary: z.string().optional(), status: Status.optional() }).optional(),
});
const CreatedIssue = z.looseObject({ key: z.string() });
const SearchResults = z.looseObject({ issues: z.array(Issue).default([]) });
const Transitions = z.looseObject({
  transitions: z
    .array(
      z.looseObject({
        id: z.string(),
        name: z.string(),
        to: Status.optional(),
        isAvailable: z.boolean().optional(),
      }),
    )
    .default([]),
});
type Transition = z.infer<typeof Transitions>['transitions'][number];
const IssueType = z.looseObject({ id: z.string(), name: z.string(), subtask: z.boolean().optional() });
/** Cloud answers `{ issueTypes }`, Data Center a page of `{ values }`. */
const IssueTypes = z.looseObject({
  issueTypes: z.array(IssueType).optional(),
  values: z.array(IssueType).optional(),
});
const Project = z.looseObject({ key: z.string(), name: z.string().optional() });
/** Cloud users are known by accountId; Data Center users by name (what its webhooks carry). */
const CloudUser = z.looseObject({ accountId: z.string().min(1) });
const DataCenterUser = z.looseObject({ name: z.string().min(1) });
const ApiUser = z.looseObject({
  accountId: z.string().optional(),
  name: z.string().optional(),
  displayName: z.string().optional(),
});
/** Comment bodies: an ADF document on Cloud, a wiki-markup string on Data Center. */
const Comments = z.looseObject({ comments: z.array(z.looseObject({ body: z.unknown() })).default([]) });
/** How far back a retry looks for its comment: a lost answer is minutes old, not a page of comments. */
const RECENT_COMMENTS = 50;

const ISSUE_KEY = /^[A-Z][A-Z0-9_]+-\d+$/;
const STATUS_FIELDS = ['summary', 'status'];

/** The label that marks a spec's issue, so a search finds it again after a crash. */
export function specLabel(specId: string): string {
  // Jira labels cannot contain spaces.
  return `spec-${specId.replace(/\s+/g, '_')}`;
}

/**
 * Jira through jira.js, its requests sent by our HttpClient (see transport.ts): Cloud over REST
 * v3, Data Center / Server over REST v2 (see api.ts). Issues are created in `project_key` with
 * `issue_type`, labelled with their spec id, and moved by the configured transition ids.
 */
export class JiraTracker implements TicketTracker {
  readonly system = 'jira' as const;
  private readonly api: JiraApi;
  private readonly browseBase: string;
  private actor: Promise<string> | undefined;

  constructor(
    private readonly block: JiraIntegrationConfig & { base_url: string },
    deployment: JiraDeployment,
    auth: JiraAuth,
    http: HttpClient,
    timeoutMs: number,
  ) {
    const options = { baseUrl: block.base_url, auth, http, timeoutMs };
    this.api = deployment === 'cloud' ? cloudApi(options) : dataCenterApi(options);
    this.browseBase = `${block.base_url.replace(/\/+$/, '')}/browse/`;
  }

  recognises(key: string): boolean {
    return key.startsWith(`${this.block.project_key}-`) && ISSUE_KEY.test(key);
  }

  async create(ticket: NewTicket): Promise<TicketRef> {
    const { field_mappings: mappings } = this.block;
    const criteria = ticket.acceptanceCriteria ?? [];
    const fields: Record<string, unknown> = {
      project: { key: this.block.project_key },
      issuetype: { name: this.block.issue_type },
      summary: ticket.title.slice(0, 255),
      ...(ticket.description ? { description: this.api.text(ticket.description) } : {}),
      ...(ticket.specId ? { labels: [specLabel(ticket.specId)] } : {}),
      ...(ticket.specId && mappings.spec_id ? { [mappings.spec_id]: ticket.specId } : {}),
      ...(criteria.length > 0 && mappings.acceptance_criteria
        ? { [mappings.acceptance_criteria]: this.api.bulletList(criteria) }
        : {}),
    };
    const created = await this.call('create an issue', async () =>
      CreatedIssue.parse(await this.api.createIssue(fields)),
    );
    if (this.block.create_subtasks && criteria.length > 0) await this.createSubtasks(created.key, criteria);
    return this.get(created.key);
  }

  async findBySpec(specId: string): Promise<TicketRef | undefined> {
    const jql = `project = "${this.block.project_key}" AND labels = "${specLabel(specId).replace(/"/g, '\\"')}" ORDER BY created ASC`;
    const found = await this.call('search issues', async () =>
      SearchResults.parse(await this.api.search(jql, STATUS_FIELDS, 1)),
    );
    const first = found.issues[0];
    return first ? this.ref(first) : undefined;
  }

  async get(key: string): Promise<TicketRef> {
    return this.ref(await this.read(key));
  }

  async comment(key: string, text: string, marker?: string): Promise<void> {
    this.assertKey(key);
    await this.call(`comment on ${key}`, () => this.api.addComment(key, this.api.text(text, marker)));
  }

  async hasComment(key: string, marker: string): Promise<boolean> {
    this.assertKey(key);
    const { comments } = await this.call(`read the comments of ${key}`, async () =>
      Comments.parse(await this.api.recentComments(key, RECENT_COMMENTS)),
    );
    return comments.some((c) =>
      carriesMarker(typeof c.body === 'string' ? c.body : JSON.stringify(c.body), marker),
    );
  }

  async transition(key: string, stage: SpecStage, reachedBefore?: string): Promise<TicketRef | undefined> {
    const setting = stage === 'approved' ? 'transition_on_approve' : 'transition_on_implement';
    const id = this.block[setting];
    if (id === undefined) return undefined;
    const current = await this.get(key);
    const transitions = await this.transitions(key);
    const wanted = transitions.find((t) => t.id === id);
    if (wanted?.to?.name === current.status) return current;
    // Jira lists only the moves out of the current status: one this stage already made is gone.
    if (!wanted && reachedBefore === current.status) return current;
    if (!wanted || wanted.isAvailable === false)
      throw new ValidationError(
        `Jira transition ${id} (integrations.jira.${setting}) is not available for ${key} in status "${current.status}"; available: ${describeTransitions(transitions)}`,
      );
    await this.doTransition(key, wanted);
    return { ...current, status: wanted.to?.name ?? wanted.name };
  }

  async linkPullRequest(key: string, pr: PullRequestLink): Promise<void> {
    this.assertKey(key);
    // The PR's URL as globalId: Jira updates the link it already has instead of adding a second.
    await this.call(`link a pull request to ${key}`, () =>
      this.api.remoteLink(key, {
        globalId: pr.url,
        relationship: 'implemented by',
        object: { url: pr.url, title: `PR #${pr.number}${pr.title ? `: ${pr.title}` : ''}` },
      }),
    );
  }

  async close(key: string): Promise<TicketRef> {
    const issue = await this.read(key);
    const current = this.ref(issue);
    if (issue.fields?.status?.statusCategory?.key === 'done') return current;
    const transitions = await this.transitions(key);
    const done = transitions.find((t) => t.isAvailable !== false && t.to?.statusCategory?.key === 'done');
    if (!done)
      throw new ValidationError(
        `${key} in status "${current.status}" has no transition to a done status; available: ${describeTransitions(transitions)}`,
      );
    await this.doTransition(key, done);
    return { ...current, status: done.to?.name ?? done.name };
  }

  async check(): Promise<HealthResult> {
    try {
      const me = await this.call('read the API user', async () => ApiUser.parse(await this.api.myself()));
      const project = await this.call(`read project ${this.block.project_key}`, async () =>
        Project.parse(await this.api.project(this.block.project_key)),
      );
      const moves = [
        this.block.transition_on_approve ? `approve → ${this.block.transition_on_approve}` : undefined,
        this.block.transition_on_implement ? `implement → ${this.block.transition_on_implement}` : undefined,
      ].filter(Boolean);
      const deployment = this.api.deployment === 'cloud' ? 'Jira Cloud' : 'Jira Data Center';
      const who = me.displayName ?? me.name ?? me.accountId ?? 'the API user';
      return {
        ok: true,
        detail: `${deployment} as ${who}: project ${project.key}${project.name ? ` (${project.name})` : ''}, ${this.block.issue_type} issues${moves.length ? `, transitions ${moves.join(', ')}` : ', no transitions configured'}`,
      };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Threadline's Jira account (GET /myself): its accountId on Cloud, its name on Data Center. */
  ownActor(): Promise<string> {
    this.actor ??= this.call('read the API user', async () => {
      const me = await this.api.myself();
      return this.api.deployment === 'cloud' ? CloudUser.parse(me).accountId : DataCenterUser.parse(me).name;
    });
    // A failed lookup is asked again next time instead of being remembered.
    this.actor.catch(() => {
      this.actor = undefined;
    });
    return this.actor;
  }

  private async read(key: string): Promise<z.infer<typeof Issue>> {
    this.assertKey(key);
    return this.call(`read ${key}`, async () => Issue.parse(await this.api.getIssue(key, STATUS_FIELDS)));
  }

  private async transitions(key: string): Promise<Transition[]> {
    this.assertKey(key);
    return (
      await this.call(`list the transitions of ${key}`, async () =>
        Transitions.parse(await this.api.transitions(key)),
      )
    ).transitions;
  }

  private async doTransition(key: string, transition: Transition): Promise<void> {
    await this.call(`move ${key} with transition ${transition.id}`, () =>
      this.api.doTransition(key, transition.id),
    );
  }

  private async createSubtasks(parent: string, criteria: readonly string[]): Promise<void> {
    const types = await this.call('read the issue types', async () =>
      IssueTypes.parse(await this.api.issueTypes(this.block.project_key)),
    );
    const subtask = (types.issueTypes ?? types.values ?? []).find((t) => t.subtask === true);
    if (!subtask)
      throw new ValidationError(
        `project ${this.block.project_key} has no sub-task issue type; turn off integrations.jira.create_subtasks or add one`,
      );
    const issueUpdates = criteria.map((criterion) => ({
      fields: {
        project: { key: this.block.project_key },
        parent: { key: parent },
        issuetype: { id: subtask.id },
        summary: criterion.slice(0, 255),
      },
    }));
    await this.call(`create the sub-tasks of ${parent}`, () => this.api.createIssues(issueUpdates));
  }

  private ref(issue: z.infer<typeof Issue>): TicketRef {
    return {
      key: issue.key,
      url: `${this.browseBase}${issue.key}`,
      status: issue.fields?.status?.name ?? 'unknown',
      title: issue.fields?.summary,
      ...(issue.fields?.status?.statusCategory?.key === 'done' ? { done: true } : {}),
    };
  }

  private assertKey(key: string): void {
    if (!ISSUE_KEY.test(key)) throw new ValidationError(`"${key}" is not a Jira issue key like PROJ-12`);
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw unwrapJiraError(error, `Jira: ${what}`);
    }
  }
}

function describeTransitions(transitions: readonly Transition[]): string {
  const usable = transitions.filter((t) => t.isAvailable !== false);
  if (usable.length === 0) return 'none';
  return usable.map((t) => `${t.id} "${t.name}"${t.to ? ` → ${t.to.name}` : ''}`).join(', ');
}
