import { duration } from '../../workflows/duration.js';

/**
 * `poll_interval` and `poll_resume_after` in a pager's block: the status-polling fallback for
 * webhooks that cannot reach us. Polling pauses while a verified webhook from the pager arrived
 * within `poll_resume_after`, and resumes once none has for that long.
 */
export const pollingKeys = {
  /** How often open incidents' status is read at the pager; 0 turns polling off. */
  poll_interval: duration(0, 86_400_000).default(60_000),
  poll_resume_after: duration(0, 30 * 86_400_000).default(3_600_000),
};
