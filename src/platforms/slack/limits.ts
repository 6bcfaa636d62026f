/** Block Kit limits (api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  blocks: 50,
  /** Slack accepts 40,000; a notification's fallback never needs a tenth of it. */
  fallbackText: 3000,
} as const;
