import type { RedisClient } from '../../core/redis-client.js';
import { PollState } from './poll-state.js';

const RETENTION_SECONDS = 90 * 86_400;

/**
 * The steps (`trigger`, `acknowledge`, `resolve`, `escalate.<n>`) each pager has received for an
 * incident, one Redis hash per incident and pager. The incident workflow's pager calls and a
 * pager's routed deliveries (`alert_on: [incident_triggered]` for an alert source's incident)
 * both write it, so whichever sends the trigger first is the only one that sends it.
 */
export class PagerSteps {
  private readonly polls: PollState;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.polls = new PollState(redis, prefix);
  }

  all(incidentId: string, pager: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key(incidentId, pager));
  }

  async has(incidentId: string, pager: string, step: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(incidentId, pager), step)) === 1;
  }

  /** Records a step the pager has received (`value`: when, or `reported` when the pager told us). */
  async record(
    incidentId: string,
    pager: string,
    step: string,
    value: string,
    onlyIfNew = false,
  ): Promise<void> {
    const key = this.key(incidentId, pager);
    const multi = this.redis.multi();
    if (onlyIfNew) multi.hsetnx(key, step, value);
    else multi.hset(key, step, value);
    await multi.expire(key, RETENTION_SECONDS).exec();
    // The pager has the alert now: its status is polled until the incident is resolved.
    if (step === 'trigger' && value !== 'reported') await this.polls.track(pager, incidentId);
  }

  private key(incidentId: string, pager: string): string {
    return `${this.prefix}:incident:${incidentId}:pager:${pager}:sent`;
  }
}
