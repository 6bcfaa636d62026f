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
}

export const INCIDENT_CHANNEL_JOB = 'channel';

/**
 * The configured incident channels (`incidents.channels`): an incident opened anywhere also gets
 * its live card there, as the parent of its thread. Each channel is a job of its own, so one
 * platform's outage never holds up the answer where the incident was opened, nor another channel.
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
  async show(incidentId: string, from: ConversationRef, line: string): Promise<string[]> {
    const targets = this.deps.channels.filter(
      (c) =>
        this.deps.platforms.get(c.platform) !== undefined &&
        !(c.platform === from.platform && c.conversation === from.conversation),
    );
    const queue = this.deps.queues.named<IncidentChannelJobData>(INCIDENT_CARDS_QUEUE);
    await Promise.all(
      targets.map((channel) =>
        queue.add(
          INCIDENT_CHANNEL_JOB,
          { incident: incidentId, channel, line },
          {
            ...jobOptions('action', this.deps.settings),
            jobId: `channel.${incidentId}.${channel.platform}`,
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

/** The incident-cards worker's `channel` job: the card in its current state, then the line under it once. */
export async function showInIncidentChannel(
  job: Job<IncidentChannelJobData>,
  deps: { incidents: IncidentStore; threads: SubjectThreads; platforms: PlatformRegistry },
): Promise<string> {
  const { channel, line } = job.data;
  const before = await deps.incidents.get(job.data.incident);
  const parent = await deps.threads.show(channel, before.id, incidentCard(before));
  // An ack that landed while the card was being posted updated every copy but this one.
  const now = await deps.incidents.get(before.id);
  if (now.history.length !== before.history.length)
    await deps.threads.updateEverywhere(now.id, incidentCard(now));
  if (!job.data.posted) {
    await deps.platforms
      .require(channel.platform)
      .post({ ...channel, thread: parent.thread ?? parent.id }, resultCard(line, undefined, 'failure'));
    await job.updateData({ ...job.data, posted: true });
  }
  return `${before.id} shown in ${channel.platform} ${channel.conversation}`;
}
