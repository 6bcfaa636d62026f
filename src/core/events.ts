/**
 * The event catalogue: one typed list. The first eight are the Integrations Guide's
 * "Notification Events"; the rest are raised by the incident, waiver, readiness, cost and
 * runbook workflows of later steps and can be routed the same way.
 */
export type EventOutcome = 'started' | 'success' | 'failure' | 'info' | 'warning';

export interface EventDefinition {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly outcome: EventOutcome;
  readonly emoji: string;
}

export const EVENT_CATALOGUE = [
  {
    name: 'spec_created',
    title: 'Spec Created',
    description: 'New spec file added',
    outcome: 'info',
    emoji: '📝',
  },
  {
    name: 'spec_approved',
    title: 'Spec Approved',
    description: 'Spec status changed to approved',
    outcome: 'success',
    emoji: '👍',
  },
  {
    name: 'implementation_started',
    title: 'Spec Implementation Started',
    description: 'AI begins work',
    outcome: 'started',
    emoji: '🚀',
  },
  {
    name: 'implementation_completed',
    title: 'Spec Implementation Completed',
    description: 'AI finishes successfully',
    outcome: 'success',
    emoji: '✅',
  },
  {
    name: 'implementation_failed',
    title: 'Spec Implementation Failed',
    description: 'AI or validation fails',
    outcome: 'failure',
    emoji: '❌',
  },
  {
    name: 'pr_created',
    title: 'Pull Request Opened',
    description: 'Pull request opened',
    outcome: 'info',
    emoji: '🔀',
  },
  {
    name: 'pr_merged',
    title: 'Pull Request Merged',
    description: 'Pull request merged',
    outcome: 'success',
    emoji: '🎉',
  },
  {
    name: 'validation_failed',
    title: 'Spec Validation Failed',
    description: 'Schema validation fails',
    outcome: 'failure',
    emoji: '⚠️',
  },
  {
    name: 'incident_triggered',
    title: 'Incident Triggered',
    description: 'An incident was opened',
    outcome: 'failure',
    emoji: '🚨',
  },
  {
    name: 'incident_acknowledged',
    title: 'Incident Acknowledged',
    description: 'Someone acknowledged an incident',
    outcome: 'info',
    emoji: '👀',
  },
  {
    name: 'incident_escalated',
    title: 'Incident Escalated',
    description: 'An incident escalated to the next step',
    outcome: 'warning',
    emoji: '⏫',
  },
  {
    name: 'incident_resolved',
    title: 'Incident Resolved',
    description: 'An incident was resolved',
    outcome: 'success',
    emoji: '✅',
  },
  {
    name: 'waiver_requested',
    title: 'Waiver Requested',
    description: 'A waiver awaits approval',
    outcome: 'info',
    emoji: '📋',
  },
  {
    name: 'waiver_approved',
    title: 'Waiver Approved',
    description: 'A waiver was approved',
    outcome: 'success',
    emoji: '✅',
  },
  {
    name: 'waiver_rejected',
    title: 'Waiver Rejected',
    description: 'A waiver was rejected',
    outcome: 'failure',
    emoji: '🚫',
  },
  {
    name: 'readiness_exception',
    title: 'Readiness Exception',
    description: 'A readiness gate needs an owner',
    outcome: 'warning',
    emoji: '🛑',
  },
  {
    name: 'readiness_exception_acknowledged',
    title: 'Readiness Exception Acknowledged',
    description: 'An owner acknowledged a readiness exception',
    outcome: 'info',
    emoji: '👀',
  },
  {
    name: 'readiness_exception_escalated',
    title: 'Readiness Exception Escalated',
    description: 'A readiness exception passed its SLA unacknowledged',
    outcome: 'warning',
    emoji: '⏫',
  },
  {
    name: 'readiness_exception_resolved',
    title: 'Readiness Exception Resolved',
    description: 'A readiness exception was resolved',
    outcome: 'success',
    emoji: '✅',
  },
  {
    name: 'cost_threshold_exceeded',
    title: 'Cost Threshold Exceeded',
    description: 'A cost figure crossed its threshold',
    outcome: 'warning',
    emoji: '💸',
  },
  {
    name: 'cost_recovered',
    title: 'Cost Recovered',
    description: 'A cost figure is back under its threshold',
    outcome: 'success',
    emoji: '💰',
  },
  {
    name: 'runbook_stale',
    title: 'Runbook Link Stale',
    description: 'A runbook link no longer resolves',
    outcome: 'warning',
    emoji: '📕',
  },
  {
    name: 'runbook_sync_failed',
    title: 'Runbook Sync Failed',
    description: 'A runbook source failed to sync',
    outcome: 'failure',
    emoji: '📕',
  },
] as const satisfies readonly EventDefinition[];

export type EventName = (typeof EVENT_CATALOGUE)[number]['name'];

export const EVENT_NAMES = EVENT_CATALOGUE.map((e) => e.name) as [EventName, ...EventName[]];

const byName = new Map<string, EventDefinition>(EVENT_CATALOGUE.map((e) => [e.name, e]));

export function eventDefinition(name: EventName): EventDefinition {
  const definition = byName.get(name);
  if (!definition) throw new Error(`unknown event ${name}`);
  return definition;
}

export function isEventName(name: string): name is EventName {
  return byName.has(name);
}
