import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, TransientError, ValidationError } from '../../core/errors.js';
import type { HttpClient } from '../../net/http-client.js';
import type { HealthResult } from '../connector.js';
import type {
  NewTicket,
  PullRequestLink,
  SpecStage,
  TicketRef,
  TicketTracker,
} from '../ticketing/tracker.js';
import { GraphApi } from './graph.js';
import type { PlanIndex, PlanState } from './plan-state.js';
import type { MsProjectIntegrationConfig } from './schema.js';
import { GraphToken } from './token.js';

/** What we read of Graph's plannerTask; anything else in it is ignored. */
const Task = z.looseObject({
  id: z.string().min(1),
  title: z.string().default(''),
  planId: z.string().optional(),
  percentComplete: z.number().int().min(0).max(100).default(0),
  createdDateTime: z.string().nullish(),
  '@odata.etag': z.string().optional(),
});
type Task = z.infer<typeof Task>;
const TaskPage = z.looseObject({ value: z.array(Task), '@odata.nextLink': z.string().optional() });
const Details = z.looseObject({
  description: z.string().nullish(),
  references: z.record(z.string(), z.unknown()).nullish(),
  '@odata.etag': z.string().optional(),
});
type Details = z.infer<typeof Details>;
const Plan = z.looseObject({ id: z.string(), title: z.string().optional() });
const Bucket = z.looseObject({ id: z.string(), name: z.string().optional(), planId: z.string().optional() });

/** A task as the poller sees it: what a card shows, its progress, and the etag of this version. */
export interface PlannerTask {
  ref: TicketRef;
  percent: number;
  etag?: string;
}

/** Planner task ids are opaque, URL-safe and 28 characters long today. */
const TASK_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** Planner keeps at most 20 checklist items on a task; the description carries every criterion. */
const CHECKLIST_LIMIT = 20;
const CHECKLIST_TITLE_LIMIT = 100;
const TITLE_LIMIT = 255;
/** A PATCH whose If-Match lost to another writer (412) is read again and retried this often. */
const ETAG_ATTEMPTS = 3;
const PAGE_LIMIT = 50;

/** Planner's own words for a task's progress; "In progress" says how far. */
export function plannerStatus(percent: number): string {
  if (percent >= 100) return 'Completed';
  if (percent <= 0) return 'Not started';
  return `In progress (${percent}%)`;
}

/**
 * A references key is the URL itself, with the characters Graph reserves in property names
 * percent-encoded (Graph documents `%`, `.`, `:`, `@` and `#`). The same PR gives the same key,
 * so linking it again rewrites one entry.
 */
export function referenceKey(url: string): string {
  return url.replace(/[%.:@#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * Microsoft Planner (the tasks behind Project for the web's basic plans) through Microsoft Graph
 * v1.0, with an app-only token. One task per spec in `plan_id` (and `bucket_id`), titled with the
 * spec id so it is found again; the details carry the description and the acceptance criteria as
 * a checklist; a spec's stages set percentComplete. Planner has no comments API: comments are
 * appended to the task's description.
 */
export class MsProjectTracker implements TicketTracker {
  readonly system = 'ms_project' as const;
  private readonly graph: GraphApi;
  private readonly apiOrigin: string;

  constructor(
    private readonly block: MsProjectIntegrationConfig & { client_secret: string },
    http: HttpClient,
    timeoutMs: number,
    /** The plan's shared state in Redis; undefined without Redis (notify --direct). */
    private readonly state: () => PlanState | undefined = () => undefined,
  ) {
    const token = new GraphToken(http, {
      authUrl: block.auth_url,
      tenantId: block.tenant_id,
      clientId: block.client_id,
      clientSecret: block.client_secret,
      scope: graphScope(block.api_url),
      timeoutMs,
    });
    this.graph = new GraphApi(http, token, block.api_url, timeoutMs);
    this.apiOrigin = new URL(block.api_url).origin;
  }

  recognises(key: string): boolean {
    return TASK_ID.test(key);
  }

  async create(ticket: NewTicket): Promise<TicketRef> {
    const { plan_id, bucket_id, assignees } = this.block;
    const title =
      ticket.specId && !isTitleOf(ticket.title, ticket.specId)
        ? `${ticket.specId}: ${ticket.title}`
        : ticket.title;
    const assignments = Object.fromEntries(
      assignees.map((user) => [
        user,
        { '@odata.type': '#microsoft.graph.plannerAssignment', orderHint: ' !' },
      ]),
    );
    const state = this.state();
    if (ticket.specId) await state?.intend(ticket.specId);
    const task = await this.graph.json(
      'create a task',
      {
        method: 'POST',
        path: '/planner/tasks',
        json: {
          planId: plan_id,
          ...(bucket_id ? { bucketId: bucket_id } : {}),
          title: title.slice(0, TITLE_LIMIT),
          ...(assignees.length > 0 ? { assignments } : {}),
        },
      },
      Task,
    );
    await state?.created(ticket.specId, task.id, task.percentComplete);
    const criteria = ticket.acceptanceCriteria ?? [];
    if (ticket.description || criteria.length > 0)
      await this.writeDetails(task.id, ticket.description, criteria);
    return this.ref(task);
  }

  /**
   * The spec's task. With Redis the plan is not listed per create: the index (written by each
   * create and by every whole-plan scan) answers, and a spec missing from a recent scan has no
   * task. The plan is listed only when no scan is recent, or when a create for this spec began
   * and never recorded its task (the worker died, or the answer was lost): then the task may
   * exist with nothing in Redis knowing it.
   */
  async findBySpec(specId: string): Promise<TicketRef | undefined> {
    const known = await this.state()?.lookup(specId);
    if (known?.taskId) {
      try {
        return this.ref(await this.readTask(known.taskId));
      } catch (error) {
        // Deleted in Planner since: the plan is listed below, as for a spec never indexed.
        if (!(error instanceof NotFoundError)) throw error;
      }
    } else if (known?.fresh && !known.intended) return undefined;
    const matches = (await this.scan()).filter((task) => isTitleOf(task.ref.title ?? '', specId));
    return matches[0]?.ref;
  }

  /**
   * Every task of the plan, oldest first, following `@odata.nextLink`; the spec ids their titles
   * name are merged into the shared index. Graph v1.0 has no delta query for Planner tasks (it is
   * beta only), so a list with each task's etag is what a poll can compare.
   */
  async scan(): Promise<PlannerTask[]> {
    const tasks: Task[] = [];
    let path: string | undefined = `/planner/plans/${encodeURIComponent(this.block.plan_id)}/tasks`;
    let page = 0;
    for (; path && page < PAGE_LIMIT; page++) {
      const answer: z.infer<typeof TaskPage> = await this.graph.json(
        `list the tasks of plan ${this.block.plan_id}`,
        { method: 'GET', path },
        TaskPage,
      );
      tasks.push(...answer.value);
      path = this.sameOrigin(answer['@odata.nextLink']);
    }
    tasks.sort((a, b) => (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? ''));
    await this.state()?.indexed(planIndex(tasks, path === undefined));
    return tasks.map((task) => ({
      ref: this.ref(task),
      percent: task.percentComplete,
      ...(task['@odata.etag'] ? { etag: task['@odata.etag'] } : {}),
    }));
  }

  async get(key: string): Promise<TicketRef> {
    return this.ref(await this.readTask(key));
  }

  /** Planner has no comments API: the text is appended to the task's description, dated. */
  async comment(key: string, text: string): Promise<void> {
    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    await this.patchDetails(key, `comment on ${key}`, (details) => {
      const before = details.description?.trimEnd() ?? '';
      const entry = `— Threadline, ${stamp} UTC:\n${text}`;
      return { description: before === '' ? entry : `${before}\n\n${entry}` };
    });
  }

  /**
   * Sets percentComplete for the stage. Progress only moves forward: a task already at or past
   * the stage's percentage (a replayed approval after the implementation, or a task someone
   * finished by hand) is left as it is.
   */
  async transition(key: string, stage: SpecStage): Promise<TicketRef | undefined> {
    const percent = stage === 'approved' ? this.block.percent_on_approve : this.block.percent_on_implement;
    return this.setPercent(key, percent);
  }

  async linkPullRequest(key: string, pr: PullRequestLink): Promise<void> {
    const refKey = referenceKey(pr.url);
    await this.patchDetails(key, `link a pull request to ${key}`, (details) =>
      details.references?.[refKey]
        ? undefined
        : {
            references: {
              [refKey]: {
                '@odata.type': 'microsoft.graph.plannerExternalReference',
                alias: `PR #${pr.number}${pr.title ? `: ${pr.title}` : ''}`.slice(0, 255),
                type: 'Other',
              },
            },
          },
    );
  }

  async close(key: string): Promise<TicketRef> {
    return this.setPercent(key, 100);
  }

  async check(): Promise<HealthResult> {
    try {
      const { plan_id, bucket_id } = this.block;
      const plan = await this.graph.json(
        `read plan ${plan_id}`,
        { method: 'GET', path: `/planner/plans/${encodeURIComponent(plan_id)}` },
        Plan,
      );
      let bucket = '';
      if (bucket_id) {
        const found = await this.graph.json(
          `read bucket ${bucket_id}`,
          { method: 'GET', path: `/planner/buckets/${encodeURIComponent(bucket_id)}` },
          Bucket,
        );
        if (found.planId && found.planId !== plan_id)
          return { ok: false, detail: `bucket ${bucket_id} belongs to plan ${found.planId}, not ${plan_id}` };
        bucket = `, bucket ${found.name ? `"${found.name}"` : bucket_id}`;
      }
      return {
        ok: true,
        detail: `plan ${plan.title ? `"${plan.title}"` : plan.id}${bucket}; approve → ${this.block.percent_on_approve}%, implement → ${this.block.percent_on_implement}%`,
      };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  private async setPercent(key: string, percent: number): Promise<TicketRef> {
    for (let attempt = 1; ; attempt++) {
      const task = await this.readTask(key);
      if (task.percentComplete >= percent) return this.ref(task);
      const etag = task['@odata.etag'];
      if (!etag) throw new ValidationError(`Microsoft Graph: task ${key} came without an @odata.etag`);
      // Recorded first: a poll that lists the task between the PATCH and a later write would
      // otherwise take Threadline's own move for someone's in Planner.
      await this.state()?.wrote(key, percent);
      const sent = await this.patch(
        `set ${key} to ${percent}%`,
        `/planner/tasks/${encodeURIComponent(key)}`,
        etag,
        {
          percentComplete: percent,
        },
      );
      if (sent || attempt >= ETAG_ATTEMPTS) {
        if (!sent) throw conflict(key, 'task');
        return this.ref({ ...task, percentComplete: percent });
      }
    }
  }

  private async writeDetails(
    id: string,
    description: string | undefined,
    criteria: readonly string[],
  ): Promise<void> {
    const text = [
      ...(description ? [description] : []),
      ...(criteria.length > 0 ? ['Acceptance criteria:', ...criteria.map((c) => `• ${c}`)] : []),
    ].join('\n');
    const checklist = Object.fromEntries(
      criteria.slice(0, CHECKLIST_LIMIT).map((criterion) => [
        randomUUID(),
        {
          '@odata.type': 'microsoft.graph.plannerChecklistItem',
          title: criterion.slice(0, CHECKLIST_TITLE_LIMIT),
          isChecked: false,
        },
      ]),
    );
    await this.patchDetails(id, `describe task ${id}`, () => ({
      description: text,
      ...(criteria.length > 0 ? { checklist, previewType: 'checklist' } : {}),
    }));
  }

  /** Reads the task's details and PATCHes what `change` makes of them (nothing when it returns undefined). */
  private async patchDetails(
    key: string,
    what: string,
    change: (details: Details) => Record<string, unknown> | undefined,
  ): Promise<void> {
    this.assertKey(key);
    const path = `/planner/tasks/${encodeURIComponent(key)}/details`;
    for (let attempt = 1; attempt <= ETAG_ATTEMPTS; attempt++) {
      const details = await this.graph.json(`read the details of ${key}`, { method: 'GET', path }, Details);
      const body = change(details);
      if (!body) return;
      const etag = details['@odata.etag'];
      if (!etag)
        throw new ValidationError(`Microsoft Graph: the details of ${key} came without an @odata.etag`);
      if (await this.patch(what, path, etag, body)) return;
    }
    throw conflict(key, 'details');
  }

  /** A PATCH with If-Match; false when the etag lost to another writer (412) and the caller should read again. */
  private async patch(
    what: string,
    path: string,
    etag: string,
    json: Record<string, unknown>,
  ): Promise<boolean> {
    const response = await this.graph.send(what, { method: 'PATCH', path, json, ifMatch: etag }, [412]);
    return response.status !== 412;
  }

  private async readTask(key: string): Promise<Task> {
    this.assertKey(key);
    return this.graph.json(
      `read task ${key}`,
      { method: 'GET', path: `/planner/tasks/${encodeURIComponent(key)}` },
      Task,
    );
  }

  private ref(task: Task): TicketRef {
    return {
      key: task.id,
      url: `https://tasks.office.com/${encodeURIComponent(this.block.tenant_id)}/Home/Task/${encodeURIComponent(task.id)}`,
      status: plannerStatus(task.percentComplete),
      title: task.title,
    };
  }

  /** Follows `@odata.nextLink` only back to api_url's own origin. */
  private sameOrigin(next: string | undefined): string | undefined {
    if (!next) return undefined;
    try {
      return new URL(next).origin === this.apiOrigin ? next : undefined;
    } catch {
      return undefined;
    }
  }

  private assertKey(key: string): void {
    if (!TASK_ID.test(key)) throw new ValidationError(`"${key}" is not a Planner task id`);
  }
}

/** A spec id as the ticket commands accept them, named at the start of a task title. */
const TITLE_SPEC = /^([\w.-]{1,100})(?::|$)/;

/** The spec each task's title names, the oldest task winning (as findBySpec picks it). */
function planIndex(oldestFirst: readonly Task[], complete: boolean): PlanIndex {
  const tasks = new Map<string, string>();
  for (const task of oldestFirst) {
    const specId = TITLE_SPEC.exec(task.title)?.[1];
    if (specId && !tasks.has(specId)) tasks.set(specId, task.id);
  }
  return { tasks, complete };
}

/** Whether a task title names this spec: the spec id alone, or followed by ": title". */
function isTitleOf(title: string, specId: string): boolean {
  return title === specId || title.startsWith(`${specId}:`);
}

/** The app-only scope for Graph: `.default` of Graph's own host (national clouds have theirs). */
function graphScope(apiUrl: string): string {
  const url = new URL(apiUrl);
  return url.protocol === 'https:' ? `${url.origin}/.default` : 'https://graph.microsoft.com/.default';
}

function conflict(key: string, part: string): TransientError {
  return new TransientError(
    `Microsoft Graph kept answering 412 for the ${part} of ${key}: another writer changed it between each read and write`,
  );
}
