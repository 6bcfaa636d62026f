import { z } from 'zod';
import type { RedisClient } from '../../core/redis-client.js';

/** What the poller last saw of a task: its progress, and the etag that version carried. */
const SeenTask = z.object({ percent: z.number().int().min(0).max(100), etag: z.string().optional() });
export type SeenTask = z.infer<typeof SeenTask>;

/** What a scan found: the task id per spec id named in a title, and whether every page was read. */
export interface PlanIndex {
  tasks: ReadonlyMap<string, string>;
  complete: boolean;
}

export interface SpecLookup {
  /** The task a scan or a create recorded for the spec. */
  taskId?: string;
  /** A whole-plan scan happened recently, so a spec missing from the index has no task. */
  fresh: boolean;
  /** A create for the spec began and never recorded its task: its answer may have been lost. */
  intended: boolean;
}

/** A create whose answer was lost is retried by its queue within hours; a week covers a replay. */
const INTENT_TTL_S = 7 * 86_400;

/**
 * One Planner plan's state in Redis, shared by every process: the spec → task index that keeps
 * the before-create search from listing the whole plan per create, the creates under way, what
 * the poller last saw of each task, and the progress Threadline itself last wrote.
 */
export class PlanState {
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    planId: string,
    /** How long a whole-plan scan answers for specs missing from it. */
    private readonly freshMs: number,
  ) {
    this.base = `${prefix}:tickets:ms_project:plan:${planId}`;
  }

  async lookup(specId: string): Promise<SpecLookup> {
    const [taskId, fresh, intended] = await Promise.all([
      this.redis.hget(`${this.base}:index`, specId),
      this.redis.exists(`${this.base}:indexed`),
      this.redis.exists(this.intentKey(specId)),
    ]);
    return { ...(taskId ? { taskId } : {}), fresh: fresh === 1, intended: intended === 1 };
  }

  /** Before a create: should the worker die before recording the task, the next try scans. */
  async intend(specId: string): Promise<void> {
    await this.redis.set(this.intentKey(specId), '1', 'EX', INTENT_TTL_S);
  }

  /** After a create: the spec's task is known, and the progress it started at is ours. */
  async created(specId: string | undefined, taskId: string, percent: number): Promise<void> {
    if (specId) {
      await this.redis.hset(`${this.base}:index`, specId, taskId);
      await this.redis.del(this.intentKey(specId));
    }
    await this.wrote(taskId, percent);
    // Seen from birth: a move made in Planner before the first poll is still a change.
    await this.see(new Map([[taskId, { percent }]]));
  }

  /** Merges a scan into the index; a scan that read every page answers for a while. */
  async indexed(index: PlanIndex): Promise<void> {
    if (index.tasks.size > 0) await this.redis.hset(`${this.base}:index`, Object.fromEntries(index.tasks));
    if (index.complete) await this.redis.set(`${this.base}:indexed`, '1', 'PX', this.freshMs);
  }

  /** Before Threadline moves a task: the poller must not take this progress for someone else's. */
  async wrote(taskId: string, percent: number): Promise<void> {
    await this.redis.hset(`${this.base}:wrote`, taskId, String(percent));
  }

  async seen(taskIds: readonly string[]): Promise<Map<string, { seen?: SeenTask; wrote?: number }>> {
    const result = new Map<string, { seen?: SeenTask; wrote?: number }>();
    if (taskIds.length === 0) return result;
    const [seen, wrote] = await Promise.all([
      this.redis.hmget(`${this.base}:seen`, ...taskIds),
      this.redis.hmget(`${this.base}:wrote`, ...taskIds),
    ]);
    taskIds.forEach((id, i) => {
      const parsed = SeenTask.safeParse(safeJson(seen[i] ?? null));
      const ours = wrote[i];
      result.set(id, {
        ...(parsed.success ? { seen: parsed.data } : {}),
        ...(ours != null ? { wrote: Number(ours) } : {}),
      });
    });
    return result;
  }

  async see(tasks: ReadonlyMap<string, SeenTask>): Promise<void> {
    if (tasks.size === 0) return;
    const entries = [...tasks].map(([id, task]) => [id, JSON.stringify(task)] as const);
    await this.redis.hset(`${this.base}:seen`, Object.fromEntries(entries));
  }

  /** One poll per cadence across every process: the first to take the turn polls. */
  async takeTurn(ms: number): Promise<boolean> {
    return (await this.redis.set(`${this.base}:poll-turn`, '1', 'PX', ms, 'NX')) === 'OK';
  }

  private intentKey(specId: string): string {
    return `${this.base}:creating:${specId}`;
  }
}

function safeJson(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
