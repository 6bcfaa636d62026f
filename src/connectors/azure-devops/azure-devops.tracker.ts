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
import { htmlList, htmlParagraphs } from './html.js';
import type { AzureDevOpsIntegrationConfig } from './schema.js';
import { API_VERSION, AzureDevOpsTransport, COMMENTS_API_VERSION } from './transport.js';

/** What we read of Azure DevOps' answers; anything else in them is ignored. */
const WorkItem = z.looseObject({
  id: z.number().int(),
  fields: z
    .looseObject({
      'System.Title': z.string().optional(),
      'System.State': z.string().optional(),
      'System.WorkItemType': z.string().optional(),
    })
    .default({}),
  relations: z
    .array(z.looseObject({ rel: z.string(), url: z.string() }))
    .nullish()
    .transform((r) => r ?? []),
});
type WorkItemAnswer = z.infer<typeof WorkItem>;
const WiqlResult = z.looseObject({ workItems: z.array(z.looseObject({ id: z.number().int() })).default([]) });
/** Categories: Proposed, InProgress, Resolved, Completed, Removed. */
const States = z.looseObject({
  value: z.array(z.looseObject({ name: z.string(), category: z.string().optional() })),
});
type State = z.infer<typeof States>['value'][number];
const Project = z.looseObject({ id: z.string(), name: z.string() });
const Comments = z.looseObject({
  comments: z.array(z.looseObject({ text: z.string().nullish() })).default([]),
});
const ConnectionData = z.looseObject({ authenticatedUser: z.looseObject({ id: z.string().min(1) }) });

const WORK_ITEM_ID = /^\d+$/;
const READ_FIELDS = ['System.Title', 'System.State', 'System.WorkItemType'].join(',');

/** The tag that marks a spec's work item, so a WIQL query finds it again after a crash. */
export function specTag(specId: string): string {
  // Tags are separated by ";" (and "," in the UI): neither may appear inside one.
  return `spec:${specId.replace(/[;,]/g, '_')}`;
}

export type AzureDevOpsTrackerConfig = AzureDevOpsIntegrationConfig & { pat: string };

/**
 * Azure DevOps work items over REST 7.1 with JSON Patch, sent by our HttpClient. A work item per
 * spec, of `work_item_type`, in `area_path` / `iteration_path`, tagged `spec:<id>`; moved to the
 * states `state_mappings` names for a spec stage.
 */
export class AzureDevOpsTracker implements TicketTracker {
  readonly system = 'azure' as const;
  private readonly transport: AzureDevOpsTransport;
  /** `https://dev.azure.com/<org>` (or a server's collection URL). */
  private readonly orgUrl: string;
  private readonly projectUrl: string;
  private readonly states = new Map<string, Promise<State[]>>();
  private actor: Promise<string> | undefined;

  constructor(
    private readonly block: AzureDevOpsTrackerConfig,
    http: HttpClient,
    timeoutMs: number,
  ) {
    this.transport = new AzureDevOpsTransport(http, block.pat, timeoutMs);
    this.orgUrl = organizationUrl(block.base_url, block.organization);
    this.projectUrl = `${this.orgUrl}/${encodeURIComponent(block.project)}`;
  }

  recognises(key: string): boolean {
    return WORK_ITEM_ID.test(key);
  }

  async create(ticket: NewTicket): Promise<TicketRef> {
    const { area_path, iteration_path, work_item_type } = this.block;
    const description = [
      ...(ticket.description ? [htmlParagraphs(ticket.description)] : []),
      ...(ticket.acceptanceCriteria?.length
        ? [`<p>Acceptance criteria:</p>${htmlList(ticket.acceptanceCriteria)}`]
        : []),
    ].join('');
    const ops = [
      add('/fields/System.Title', ticket.title.slice(0, 255)),
      ...(description ? [add('/fields/System.Description', description)] : []),
      ...(area_path ? [add('/fields/System.AreaPath', area_path)] : []),
      ...(iteration_path ? [add('/fields/System.IterationPath', iteration_path)] : []),
      ...(ticket.specId ? [add('/fields/System.Tags', specTag(ticket.specId))] : []),
    ];
    const created = await this.call(`create a ${work_item_type}`, {
      method: 'POST',
      url: `${this.projectUrl}/_apis/wit/workitems/$${encodeURIComponent(work_item_type)}?api-version=${API_VERSION}`,
      json: ops,
      patch: true,
    });
    return this.ref(WorkItem.parse(created));
  }

  async findBySpec(specId: string): Promise<TicketRef | undefined> {
    const tag = specTag(specId).replace(/'/g, "''");
    const answer = await this.call('query work items (WIQL)', {
      method: 'POST',
      url: `${this.projectUrl}/_apis/wit/wiql?$top=1&api-version=${API_VERSION}`,
      json: {
        query: `SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS '${tag}' ORDER BY [System.Id] ASC`,
      },
    });
    const first = WiqlResult.parse(answer).workItems[0];
    return first ? this.get(String(first.id)) : undefined;
  }

  async get(key: string): Promise<TicketRef> {
    return this.ref(await this.read(key));
  }

  async comment(key: string, text: string, marker?: string): Promise<void> {
    this.assertKey(key);
    await this.call(`comment on work item ${key}`, {
      method: 'POST',
      url: `${this.projectUrl}/_apis/wit/workItems/${key}/comments?api-version=${COMMENTS_API_VERSION}`,
      // Comments are HTML: an HTML comment keeps the marker out of sight.
      json: { text: `${htmlParagraphs(text)}${marker ? htmlCommentMarker(marker) : ''}` },
    });
  }

  async hasComment(key: string, marker: string): Promise<boolean> {
    this.assertKey(key);
    const answer = await this.call(`read the comments of work item ${key}`, {
      method: 'GET',
      url: `${this.projectUrl}/_apis/wit/workItems/${key}/comments?$top=200&order=desc&api-version=${COMMENTS_API_VERSION}`,
    });
    return Comments.parse(answer).comments.some((c) => carriesMarker(c.text ?? '', marker));
  }

  async transition(key: string, stage: SpecStage): Promise<TicketRef | undefined> {
    const wanted = this.block.state_mappings[stage];
    if (wanted === undefined) return undefined;
    const item = await this.read(key);
    const current = this.ref(item);
    if (current.status === wanted) return current;
    await this.assertState(item, wanted, `state_mappings.${stage}`);
    return this.setState(item, wanted);
  }

  async linkPullRequest(key: string, pr: PullRequestLink): Promise<void> {
    const item = await this.read(key, true);
    if (item.relations.some((r) => r.rel === 'Hyperlink' && r.url === pr.url)) return;
    await this.call(`link a pull request to work item ${key}`, {
      method: 'PATCH',
      url: `${this.projectUrl}/_apis/wit/workitems/${key}?api-version=${API_VERSION}`,
      json: [
        add('/relations/-', {
          rel: 'Hyperlink',
          url: pr.url,
          attributes: { comment: `PR #${pr.number}${pr.title ? `: ${pr.title}` : ''}` },
        }),
      ],
      patch: true,
    });
  }

  async close(key: string): Promise<TicketRef> {
    const item = await this.read(key);
    const current = this.ref(item);
    const states = await this.statesOf(typeOf(item, this.block.work_item_type));
    const category = states.find((s) => s.name === current.status)?.category;
    if (category === 'Completed' || category === 'Removed') return current;
    const mapped = this.block.state_mappings.done;
    if (mapped !== undefined) {
      if (mapped === current.status) return current;
      await this.assertState(item, mapped, 'state_mappings.done');
      return this.setState(item, mapped);
    }
    const done = states.find((s) => s.category === 'Completed');
    if (!done)
      throw new ValidationError(
        `${typeOf(item, this.block.work_item_type)} has no state in the Completed category; set integrations.azure_devops.state_mappings.done (states: ${describeStates(states)})`,
      );
    return this.setState(item, done.name);
  }

  async check(): Promise<HealthResult> {
    try {
      const project = Project.parse(
        await this.call(`read project ${this.block.project}`, {
          method: 'GET',
          url: `${this.orgUrl}/_apis/projects/${encodeURIComponent(this.block.project)}?api-version=${API_VERSION}`,
        }),
      );
      const type = this.block.work_item_type;
      const states = await this.statesOf(type);
      const mapped = Object.entries(this.block.state_mappings);
      const unknown = mapped.filter(([, state]) => !states.some((s) => s.name === state));
      if (unknown.length > 0)
        return {
          ok: false,
          detail: `${unknown.map(([stage, state]) => `state_mappings.${stage} "${state}"`).join(', ')} is not a state of ${type}; states: ${describeStates(states)}`,
        };
      return {
        ok: true,
        detail: `project ${project.name}, ${type} work items${mapped.length ? `, states ${mapped.map(([stage, state]) => `${stage} → ${state}`).join(', ')}` : ', no state mappings configured'}`,
      };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The identity the PAT belongs to (`_apis/connectionData`), asked once per process. */
  ownActor(): Promise<string> {
    this.actor ??= this.call('read the PAT’s identity', {
      method: 'GET',
      url: `${this.orgUrl}/_apis/connectionData`,
    }).then((answer) => ConnectionData.parse(answer).authenticatedUser.id);
    // A failed lookup is asked again next time instead of being remembered.
    this.actor.catch(() => {
      this.actor = undefined;
    });
    return this.actor;
  }

  private async read(key: string, relations = false): Promise<WorkItemAnswer> {
    this.assertKey(key);
    // Azure answers 400 to `fields` together with `$expand`, so relations come with all fields.
    const query = relations ? '$expand=relations' : `fields=${READ_FIELDS}`;
    return WorkItem.parse(
      await this.call(`read work item ${key}`, {
        method: 'GET',
        url: `${this.projectUrl}/_apis/wit/workitems/${key}?${query}&api-version=${API_VERSION}`,
      }),
    );
  }

  private async setState(item: WorkItemAnswer, state: string): Promise<TicketRef> {
    const updated = await this.call(`move work item ${item.id} to "${state}"`, {
      method: 'PATCH',
      url: `${this.projectUrl}/_apis/wit/workitems/${item.id}?api-version=${API_VERSION}`,
      json: [add('/fields/System.State', state)],
      patch: true,
    });
    return this.ref(WorkItem.parse(updated));
  }

  /** A state the work item's type does not have is a configuration mistake: name the states it has. */
  private async assertState(item: WorkItemAnswer, state: string, setting: string): Promise<void> {
    const type = typeOf(item, this.block.work_item_type);
    const states = await this.statesOf(type);
    if (!states.some((s) => s.name === state))
      throw new ValidationError(
        `Azure DevOps state "${state}" (integrations.azure_devops.${setting}) is not a state of ${type}; states: ${describeStates(states)}`,
      );
  }

  private statesOf(type: string): Promise<State[]> {
    let states = this.states.get(type);
    if (!states) {
      states = this.call(`read the states of ${type}`, {
        method: 'GET',
        url: `${this.projectUrl}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/states?api-version=${API_VERSION}`,
      }).then((answer) => States.parse(answer).value);
      this.states.set(type, states);
      states.catch(() => this.states.delete(type));
    }
    return states;
  }

  private ref(item: WorkItemAnswer): TicketRef {
    return {
      key: String(item.id),
      url: `${this.projectUrl}/_workitems/edit/${item.id}`,
      status: item.fields['System.State'] ?? 'unknown',
      title: item.fields['System.Title'],
    };
  }

  private assertKey(key: string): void {
    if (!WORK_ITEM_ID.test(key))
      throw new ValidationError(`"${key}" is not an Azure DevOps work item id like 1201`);
  }

  private call(what: string, req: Parameters<AzureDevOpsTransport['send']>[0]): Promise<unknown> {
    return this.transport.send(req).catch((error: unknown) => {
      // Our error kinds keep their kind (and retry decision); the message says which call it was.
      if (error instanceof Error) error.message = `${what}: ${error.message}`;
      throw error;
    });
  }
}

/** `base_url` is the service (`https://dev.azure.com`); one that already ends in the organization is kept. */
export function organizationUrl(baseUrl: string, organization: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const org = encodeURIComponent(organization);
  return base.toLowerCase().endsWith(`/${org.toLowerCase()}`) ? base : `${base}/${org}`;
}

function add(path: string, value: unknown): { op: 'add'; path: string; value: unknown } {
  return { op: 'add', path, value };
}

function typeOf(item: WorkItemAnswer, configured: string): string {
  return item.fields['System.WorkItemType'] ?? configured;
}

function describeStates(states: readonly State[]): string {
  if (states.length === 0) return 'none';
  return states.map((s) => (s.category ? `${s.name} (${s.category})` : s.name)).join(', ');
}
