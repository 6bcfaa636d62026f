import type { Job } from 'bullmq';
import { incidentCard } from '../../cards/incident.js';
import { resultCard } from '../../cards/result.js';
import type { QueueSettings } from '../config/schema.js';
import type { ConversationRef } from '../core/chat.js';
import { jobOptions } from '../queue/job-options.js';
import type { QueueSet } from '../queue/queues.js';
import type { Deferrable } from '../queue/steer.js';
import type { IncidentStore } from '../workflows/incidents.js';
import { INCIDENT_CARDS_QUEUE } from './pager-reports.js';
import type { PlatformRegistry } from './platform.js';
import type { SubjectThreads } from './threads.js';

/** A job on the incident-cards queue: show one incident's card in one incident channel. */
export interface IncidentChannelJobData extends Deferrable {
  incident: string;
  channel: ConversationRef;
  /** Posted under the card there once, e.g. "🚨 INC-3 opened by discord:123 for payments". */
  line: string;
  posted?: boolean;
  /** A later change (an alert source resolving it): the card there is brought to the new state. */
  refresh?: boolean;
}

export const INCIDENT_CHANNEL_JOB = 'channel';

/**
 * The configured incident channels (`incidents.channels`): an incident opened anywhere (a command,
 * an alert source) also gets its live card there, as the parent of its thread. Each channel is a
 * job of its own, so one platform's outage never holds up the answer where the incident was
 * opened, nor another channel.
 */
export class IncidentChannels {
  constructor(
    private readonly deps: {
      channels: readonly ConversationRef[];
      platforms: PlatformRegistry;
      queues: QueueSet;
      settings: QueueSettings;
    },
  ) {}

  /**
   * Queues the card for every incident channel but the conversation it was opened in (and those
   * of platforms this process does not run); asking again adds nothing. Returns where it goes.
   */
  show(incidentId: string, from: ConversationRef, line: string): Promise<string[]> {
    return this.queue(incidentId, line, from);
  }

  /** An incident an alert source opened: its card in every incident channel. */
  async opened(incidentId: string, line: string): Promise<void> {
    await this.queue(incidentId, line);
  }

  /**
   * A change made outside chat (an alert source resolving its incident): the card in every
   * incident channel shows it, and `line` goes under it once per `step`.
   */
  async changed(incidentId: string, step: string, line: string): Promise<void> {
    await this.queue(incidentId, line, undefined, step);
  }

  private async queue(
    incidentId: string,
    line: string,
    from?: ConversationRef,
    step?: string,
  ): Promise<string[]> {
    const targets = this.deps.channels.filter(
      (c) =>
        this.deps.platforms.get(c.platform) !== undefined &&
        !(c.platform === from?.platform && c.conversation === from.conversation),
    );
    const queue = this.deps.queues.named<IncidentChannelJobData>(INCIDENT_CARDS_QUEUE);
    await Promise.all(
      targets.map((channel) =>
        queue.add(
          INCIDENT_CHANNEL_JOB,
          { incident: incidentId, channel, line, ...(step ? { refresh: true } : {}) },
          {
            ...jobOptions('action', this.deps.settings),
            jobId: `channel.${incidentId}.${channel.platform}${step ? `.${step}` : ''}`,
          },
        ),
      ),
    );
    return targets.map((c) => `${c.platform} ${c.conversation}`);
  }
}

export function isIncidentChannelJob(job: Job<object>): job is Job<IncidentChannelJobData> {
  return job.name === INCIDENT_CHANNEL_JOB && 'channel' in job.data;
}

/**
 * The incident-cards worker's `channel` job: the card in its current state, then the line under it
 * once. A `refresh` job updates every copy, since the card there was posted before the change.
 */
export async function showInIncidentChannel(
  job: Job<IncidentChannelJobData>,
  deps: { incidents: IncidentStore; threads: SubjectThreads; platforms: PlatformRegistry },
): Promise<string> {
  const { channel, line } = job.data;
  const before = await deps.incidents.get(job.data.incident);
  const parent = await deps.threads.show(channel, before.id, incidentCard(before));
  // An ack that landed while the card was being posted updated every copy but this one.
  const now = await deps.incidents.get(before.id);
  if (job.data.refresh || now.history.length !== before.history.length)
    await deps.threads.updateEverywhere(now.id, incidentCard(now));
  if (!job.data.posted) {
    await deps.platforms.require(channel.platform).post(
      { ...channel, thread: parent.thread ?? parent.id },
      // The opening line is an alarm; a later one says where the incident went since.
      resultCard(
        line,
        undefined,
        job.data.refresh ? (now.status === 'resolved' ? 'success' : 'info') : 'failure',
      ),
    );
    await job.updateData({ ...job.data, posted: true });
  }
  return `${before.id} shown in ${channel.platform} ${channel.conversation}`;
}
