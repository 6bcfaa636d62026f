import { duration } from '../../workflows/duration.js';

/**
 * `poll_interval` and `poll_resume_after` in a webhook tracker's block (Jira, GitHub, Linear,
 * Azure DevOps): the status-polling fallback for webhooks that cannot reach us, with the pagers'
 * names and meaning. Polling pauses while a verified webhook from the tracker arrived within
 * `poll_resume_after`, and resumes once none has for that long.
 */
export const trackerPollingKeys = {
  /** How often the linked tickets' status is read; 0 turns polling off. Milliseconds after parsing. */
  poll_interval: duration(0, 86_400_000)
    .refine((ms) => ms === 0 || ms >= 1_000, 'must be 0 (off) or at least 1s')
    .default(300_000),
  poll_resume_after: duration(0, 30 * 86_400_000).default(3_600_000),
};

/** The settings the status poll takes from a block with trackerPollingKeys. */
export function trackerPolling(
  block: { poll_interval: number; poll_resume_after: number },
  credentials: string,
): { intervalMs: number; resumeAfterMs: number; credentials: string } {
  return { intervalMs: block.poll_interval, resumeAfterMs: block.poll_resume_after, credentials };
}
