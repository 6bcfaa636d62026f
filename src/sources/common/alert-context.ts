import type { IncidentContext, IncidentSeverity } from '../../workflows/incidents.js';

/** What one notification from an alert source says about its group's incident. */
export interface SourceAlert extends IncidentContext {
  source: string;
  title: string;
  severity: IncidentSeverity;
  service?: string;
}

export const MAX_TITLE = 500;
export const MAX_SERVICE = 100;
const MAX_LABELS = 30;
const MAX_LABEL_VALUE = 200;

/** Severity words as teams and tools write them, onto the four severities pagers know. */
const SEVERITY_WORDS: Readonly<Record<string, IncidentSeverity>> = {
  critical: 'critical',
  fatal: 'critical',
  page: 'critical',
  error: 'error',
  high: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  informational: 'info',
  debug: 'info',
  low: 'info',
  none: 'info',
};
const RANK: Readonly<Record<IncidentSeverity, number>> = { critical: 0, error: 1, warning: 2, info: 3 };

export function severityWord(word: string | undefined): IncidentSeverity | undefined {
  return SEVERITY_WORDS[(word ?? '').trim().toLowerCase()];
}

export function graver(a: IncidentSeverity, b: IncidentSeverity | undefined): IncidentSeverity;
export function graver(
  a: IncidentSeverity | undefined,
  b: IncidentSeverity | undefined,
): IncidentSeverity | undefined;
export function graver(a: IncidentSeverity | undefined, b: IncidentSeverity | undefined) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[b] < RANK[a] ? b : a;
}

/** At most 30 labels, sorted by name and clipped, so a noisy alert cannot bloat the card. */
export function shownLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, MAX_LABELS)
      .map(([name, value]) => [clip(name, MAX_LABEL_VALUE), clip(value, MAX_LABEL_VALUE)]),
  );
}

/** Only http(s) links reach a card: a `javascript:` URL from a payload must never be clickable. */
export function isHttpUrl(text: string | undefined): text is string {
  if (!text) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
