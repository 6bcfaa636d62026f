/**
 * Teams caps a webhook message at about 28 KB; these per-element caps keep any notification
 * well under it while still showing what matters.
 */
export const TEAMS_LIMITS = {
  title: 200,
  factTitle: 100,
  factValue: 1000,
  facts: 20,
  text: 5000,
  actions: 6,
  plainText: 10_000,
} as const;

/**
 * Teams chat limits on top of the notification card limits. Teams renders at most six card
 * actions (its Adaptive Card host config), and an invoke's message answer is a short toast.
 */
export const TEAMS_CHAT_LIMITS = {
  ...TEAMS_LIMITS,
  actions: 6,
  buttonTitle: 50,
  /** The toast Teams shows for an `application/vnd.microsoft.activity.message` invoke answer. */
  toast: 500,
  /** Verbs and values we accept from a card; ours are short ids like `incident.ack` and `INC-12`. */
  verb: 100,
  value: 200,
  mentionName: 100,
} as const;

/** Waiting longer than this for a 429 inside a request is worse than letting the job retry later. */
export const MAX_INLINE_RETRY_WAIT_MS = 5_000;
/** Teams' connector sometimes answers 429 without Retry-After; its guidance is to back off from 1 s. */
export const DEFAULT_THROTTLE_WAIT_MS = 1_000;
export const MAX_THROTTLE_RETRIES = 3;
