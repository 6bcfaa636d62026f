import { eventDefinition } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';

/** Datadog tags are at most 200 characters; it lowercases them and turns other characters into `_`. */
const TAG_MAX = 200;

/** A `name:value` tag from event data in the form Datadog stores it, so what we send is what is shown. */
export function tag(name: string, raw: string): string {
  const value = raw.toLowerCase().replace(/[^a-z0-9_\-:./]/g, '_');
  return `${name}:${value}`.slice(0, TAG_MAX);
}

/** The configured `event_tags`, then the event's own: `event:`, `outcome:` and `repository:`. */
export function baseTags(event: StoredEvent, eventTags: readonly string[]): string[] {
  const { payload } = event;
  const tags = [...eventTags, `event:${payload.event}`, `outcome:${eventDefinition(payload.event).outcome}`];
  if (payload.repository)
    tags.push(tag('repository', `${payload.repository.owner}/${payload.repository.name}`));
  return tags;
}
