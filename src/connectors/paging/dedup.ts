import { createHash } from 'node:crypto';

/** Characters every pager accepts in a key and in a URL path segment, within both providers' limits. */
const SAFE_KEY = /^[\w.:@-]{1,200}$/;
const INCIDENT_KEY = /^threadline:incident:([\w.@-]{1,100})$/;

/** A key as it is, when it is safe to use everywhere; otherwise a stable hash of it under `kind`. */
function safeKey(kind: string, raw: string): string {
  const key = `threadline:${kind}:${raw}`;
  if (SAFE_KEY.test(key)) return key;
  return `threadline:${kind}:sha256-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`;
}

/** The key of an incident Threadline opened (INC-42): the one the incident workflow uses on every call. */
export function incidentDedupKey(incidentId: string): string {
  return safeKey('incident', incidentId);
}

/**
 * One key per spec (per repository when the event names one): every failure of a spec adds to
 * its open alert instead of paging again, until the alert is resolved.
 */
export function specDedupKey(specId: string, repository?: { owner: string; name: string }): string {
  return safeKey('spec', repository ? `${repository.owner}.${repository.name}.${specId}` : specId);
}

/** A key for an event that names neither an incident nor a spec: its own alert. */
export function eventDedupKey(eventId: string): string {
  return safeKey('event', eventId);
}

/** The Threadline incident id a key was made for (an inbound pager webhook names its key). */
export function incidentIdFromDedupKey(key: string): string | undefined {
  return INCIDENT_KEY.exec(key)?.[1];
}

/** A key received from a provider, usable as one of ours (for another pager) when it is safe. */
export function isUsableDedupKey(key: string): boolean {
  return SAFE_KEY.test(key);
}
