import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
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
import { LinearGraphQL } from './graphql.js';
import { LINEAR_OPERATIONS as Q } from './operations.js';
import type { LinearIntegrationConfig } from './schema.js';

const State = z.looseObject({ id: z.string(), name: z.string(), type: z.string() });
type WorkflowState = z.infer<typeof State>;
const Issue = z.looseObject({
  id: z.string(),
  identifier: z.string(),
  title: z.string().optional(),
  url: z.string().optional(),
  state: State.optional(),
});
type LinearIssue = z.infer<typeof Issue>;
const TeamAnswer = z.looseObject({
  team: z.looseObject({ id: z.string(), key: z.string(), name: z.string().optional() }),
});
const StatesAnswer = z.looseObject({
  workflowStates: z.looseObject({ nodes: z.array(State.extend({ position: z.number().optional() })) }),
});
const LabelsAnswer = z.looseObject({
  issueLabels: z.looseObject({ nodes: z.array(z.looseObject({ id: z.string(), name: z.string() })) }),
});
const IssuesAnswer = z.looseObject({ issues: z.looseObject({ nodes: z.array(Issue) }) });
const IssueAnswer = z.looseObject({ issue: Issue });
const IssuePayload = z.looseObject({ success: z.boolean(), issue: Issue.nullish() });
const Success = z.looseObject({ success: z.boolean() });
const CommentsAnswer = z.looseObject({
  issue: z.looseObject({
    comments: z.looseObject({ nodes: z.array(z.looseObject({ body: z.string().nullish() })) }),
  }),
});
const ViewerAnswer = z.looseObject({ viewer: z.looseObject({ id: z.string() }) });

const IDENTIFIER = /^[A-Z][A-Z0-9]*-\d+$/;
/** Linear's workflow state types a ticket counts as done in. */
const DONE_TYPES = new Set(['completed', 'canceled']);

function assertIdentifier(key: string): void {
  if (!IDENTIFIER.test(key))
    throw new ValidationError(`"${key}" is not a Linear issue identifier like ENG-12`);
}

/** The line in a Linear issue's description that findBySpec searches for. */
export function specMarker(specId: string): string {
  return `Threadline spec: \`${specId}\``;
}

/**
 * Linear over its GraphQL API, sent by our HttpClient (see graphql.ts for why not @linear/sdk).
 * Issues are created in `team_id` with the configured labels and a spec-id line in the
 * description; `state_mappings` names the workflow state each spec stage moves the issue to.
 * The team, its states and the label ids are read once per process and asked again after a failure.
 */
export class LinearTracker implements TicketTracker {
  readonly system = 'linear' as const;
  private readonly api: LinearGraphQL;
  private team: Promise<z.infer<typeof TeamAnswer>['team']> | undefined;
  private teamKey: string | undefined;
  private states: Promise<WorkflowState[]> | undefined;
  private labelIds: Promise<string[]> | undefined;
  private actor: Promise<string> | undefined;

  constructor(
    private readonly block: LinearIntegrationConfig & { api_key: string },
    http: HttpClient,
    timeoutMs: number,
  ) {
    this.api = new LinearGraphQL(http, block.api_url, block.api_key, timeoutMs);
  }

  /** `ENG-12` for a team with key ENG; before the team has been read, any Linear-shaped identifier. */
  recognises(key: string): boolean {
    if (!IDENTIFIER.test(key)) return false;
    return this.teamKey === undefined || key.startsWith(`${this.teamKey}-`);
  }

  async create(ticket: NewTicket): Promise<TicketRef> {
    // The team read once also teaches recognises() the team's key (ENG in ENG-12).
    const [labelIds, draft] = await Promise.all([this.labels(), this.stateFor('draft'), this.readTeam()]);
    const criteria = ticket.acceptanceCriteria ?? [];
    const description = [
      ...(ticket.description ? [ticket.description] : []),
      ...(criteria.length > 0 ? ['**Acceptance criteria**', ...criteria.map((c) => `- ${c}`)] : []),
      ...(ticket.specId ? [specMarker(ticket.specId)] : []),
    ].join('\n\n');
    const input = {
      teamId: this.block.team_id,
      title: ticket.title.slice(0, 255),
      ...(description ? { description } : {}),
      ...(labelIds.length > 0 ? { labelIds } : {}),
      ...(draft ? { stateId: draft.id } : {}),
    };
    const answer = await this.api.request(
      'create an issue',
      Q.issueCreate,
      { input },
      z.looseObject({ issueCreate: IssuePayload }),
    );
    return this.ref(this.succeeded(answer.issueCreate, 'create an issue'));
  }

  async findBySpec(specId: string): Promise<TicketRef | undefined> {
    const filter = {
      team: { id: { eq: this.block.team_id } },
      description: { contains: specMarker(specId) },
    };
    const answer = await this.api.request('search issues', Q.findBySpec, { filter }, IssuesAnswer);
    const first = answer.issues.nodes[0];
    return first ? this.ref(first) : undefined;
  }

  async get(key: string): Promise<TicketRef> {
    return this.ref(await this.read(key));
  }

  async comment(key: string, text: string, marker?: string): Promise<void> {
    const issue = await this.read(key);
    // Linear's Markdown keeps an HTML comment out of sight: the marker is there for hasComment only.
    const body = marker ? `${text}\n\n${htmlCommentMarker(marker)}` : text;
    const answer = await this.api.request(
      `comment on ${key}`,
      Q.commentCreate,
      { input: { issueId: issue.id, body } },
      z.looseObject({ commentCreate: Success }),
    );
    this.succeeded(answer.commentCreate, `comment on ${key}`, false);
  }

  async hasComment(key: string, marker: string): Promise<boolean> {
    assertIdentifier(key);
    const answer = await this.api.request(
      `read the comments of ${key}`,
      Q.comments,
      { id: key },
      CommentsAnswer,
    );
    return answer.issue.comments.nodes.some((c) => carriesMarker(c.body ?? '', marker));
  }

  async transition(key: string, stage: SpecStage): Promise<TicketRef | undefined> {
    const target = await this.stateFor(stage);
    if (!target) return undefined;
    const issue = await this.read(key);
    if (issue.state?.id === target.id) return this.ref(issue);
    return this.move(issue, target);
  }

  async linkPullRequest(key: string, pr: PullRequestLink): Promise<void> {
    const issue = await this.read(key);
    // attachmentLinkURL keeps one attachment per URL on an issue: linking it again updates that one.
    const answer = await this.api.request(
      `link a pull request to ${key}`,
      Q.linkUrl,
      { issueId: issue.id, url: pr.url, title: `PR #${pr.number}${pr.title ? `: ${pr.title}` : ''}` },
      z.looseObject({ attachmentLinkURL: Success }),
    );
    this.succeeded(answer.attachmentLinkURL, `link a pull request to ${key}`, false);
  }

  async close(key: string): Promise<TicketRef> {
    const issue = await this.read(key);
    if (issue.state && DONE_TYPES.has(issue.state.type)) return this.ref(issue);
    const states = await this.workflowStates();
    const mapped = await this.stateFor('implemented');
    const done = mapped?.type === 'completed' ? mapped : states.find((s) => s.type === 'completed');
    if (!done)
      throw new ValidationError(
        `Linear team ${this.block.team_id} has no completed workflow state to close ${key} in; states: ${describeStates(states)}`,
      );
    return this.move(issue, done);
  }

  async check(): Promise<HealthResult> {
    try {
      const team = await this.readTeam();
      const states = await this.workflowStates();
      const mapped = Object.entries(this.block.state_mappings);
      for (const [stage] of mapped) await this.stateFor(stage);
      const labels = await this.labels();
      return {
        ok: true,
        detail: `team ${team.key}${team.name ? ` (${team.name})` : ''}, ${states.length} workflow states${mapped.length ? `, ${mapped.map(([s, n]) => `${s} → ${n}`).join(', ')}` : ', no state mappings'}${labels.length ? `, labels ${this.block.labels.join(', ')}` : ''}`,
      };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The Linear user the API key belongs to: a webhook naming it as actor is our own change. */
  ownActor(): Promise<string> {
    this.actor ??= this.api.request('read the API user', Q.viewer, {}, ViewerAnswer).then((v) => v.viewer.id);
    return retryable(this.actor, () => {
      this.actor = undefined;
    });
  }

  private async read(key: string): Promise<LinearIssue> {
    assertIdentifier(key);
    return (await this.api.request(`read ${key}`, Q.issue, { id: key }, IssueAnswer)).issue;
  }

  private async move(issue: LinearIssue, state: WorkflowState): Promise<TicketRef> {
    const what = `move ${issue.identifier} to "${state.name}"`;
    const answer = await this.api.request(
      what,
      Q.issueUpdate,
      { id: issue.id, input: { stateId: state.id } },
      z.looseObject({ issueUpdate: IssuePayload }),
    );
    const moved = answer.issueUpdate.issue;
    this.succeeded(answer.issueUpdate, what, false);
    return this.ref(moved ?? { ...issue, state });
  }

  /** The workflow state `state_mappings[stage]` names, or undefined when the stage is not mapped. */
  private async stateFor(stage: string): Promise<WorkflowState | undefined> {
    const name = this.block.state_mappings[stage];
    if (name === undefined) return undefined;
    const states = await this.workflowStates();
    const state =
      states.find((s) => s.name === name) ?? states.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!state)
      throw new ValidationError(
        `Linear state "${name}" (integrations.linear.state_mappings.${stage}) is not a workflow state of team ${this.block.team_id}; available: ${describeStates(states)}`,
      );
    return state;
  }

  private readTeam(): Promise<z.infer<typeof TeamAnswer>['team']> {
    this.team ??= this.api
      .request(`read team ${this.block.team_id}`, Q.team, { id: this.block.team_id }, TeamAnswer)
      .then(({ team }) => {
        this.teamKey = team.key;
        return team;
      });
    return retryable(this.team, () => {
      this.team = undefined;
    });
  }

  private workflowStates(): Promise<WorkflowState[]> {
    this.states ??= this.api
      .request('list the workflow states', Q.workflowStates, { teamId: this.block.team_id }, StatesAnswer)
      .then((a) => [...a.workflowStates.nodes].sort((x, y) => (x.position ?? 0) - (y.position ?? 0)));
    return retryable(this.states, () => {
      this.states = undefined;
    });
  }

  /** The ids of the configured labels, team labels and workspace labels alike; a missing one is an error. */
  private labels(): Promise<string[]> {
    const names = this.block.labels;
    if (names.length === 0) return Promise.resolve([]);
    this.labelIds ??= this.api
      .request('read the labels', Q.labels, { names, teamId: this.block.team_id }, LabelsAnswer)
      .then(({ issueLabels }) => {
        const missing = names.filter((n) => !issueLabels.nodes.some((l) => l.name === n));
        if (missing.length > 0)
          throw new ValidationError(
            `Linear has no label ${missing.map((n) => `"${n}"`).join(', ')} (integrations.linear.labels) in team ${this.block.team_id} or the workspace; create it or remove it from the list`,
          );
        return names.map((n) => issueLabels.nodes.find((l) => l.name === n)?.id as string);
      });
    return retryable(this.labelIds, () => {
      this.labelIds = undefined;
    });
  }

  private succeeded(payload: { success: boolean; issue?: LinearIssue | null }, what: string): LinearIssue;
  private succeeded(payload: { success: boolean }, what: string, needsIssue: false): void;
  private succeeded(
    payload: { success: boolean; issue?: LinearIssue | null },
    what: string,
    needsIssue = true,
  ): LinearIssue | undefined {
    if (!payload.success) throw new ValidationError(`Linear: ${what} was not successful`);
    if (needsIssue && !payload.issue) throw new ValidationError(`Linear: ${what} returned no issue`);
    return payload.issue ?? undefined;
  }

  private ref(issue: LinearIssue): TicketRef {
    return {
      key: issue.identifier,
      url: issue.url,
      status: issue.state?.name ?? 'unknown',
      title: issue.title,
      ...(issue.state && DONE_TYPES.has(issue.state.type) ? { done: true } : {}),
    };
  }
}

/** A cached lookup that failed is forgotten, so the next call asks Linear again. */
function retryable<T>(cached: Promise<T>, forget: () => void): Promise<T> {
  cached.catch(forget);
  return cached;
}

function describeStates(states: readonly WorkflowState[]): string {
  return states.length === 0 ? 'none' : states.map((s) => `"${s.name}" (${s.type})`).join(', ');
}
