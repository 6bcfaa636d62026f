import type { SentryEvent } from './event.js';

/**
 * The envelope Sentry's `/api/<project>/envelope/` endpoint takes: an envelope header line, then
 * one item, an item header line with the payload's length in bytes and the event JSON.
 */
export function eventEnvelope(event: SentryEvent, sentAt: Date): string {
  const payload = JSON.stringify(event);
  const header = { event_id: event.event_id, sent_at: sentAt.toISOString() };
  const item = {
    type: 'event',
    content_type: 'application/json',
    length: Buffer.byteLength(payload, 'utf8'),
  };
  return `${JSON.stringify(header)}\n${JSON.stringify(item)}\n${payload}\n`;
}

/** `X-Sentry-Auth` as Sentry's SDKs send it: the protocol version, the public key and the client. */
export function sentryAuthHeader(publicKey: string, client: string): string {
  return `Sentry sentry_version=7, sentry_key=${publicKey}, sentry_client=${client}`;
}

/**
 * The wait `X-Sentry-Rate-Limits` asks of error events, in ms: the longest `retry_after` among
 * its entries for the `error` or `default` category or for all categories (an empty list).
 * Entries are `retry_after:categories:scope[:reason[:namespaces]]`, comma-separated.
 */
export function sentryRateLimitMs(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined || raw.trim() === '') return undefined;
  let longest: number | undefined;
  for (const entry of raw.split(',')) {
    const [seconds, categories = ''] = entry.trim().split(':');
    const wait = Number(seconds);
    if (!Number.isFinite(wait) || wait < 0) continue;
    const applies = categories === '' || categories.split(';').some((c) => c === 'error' || c === 'default');
    if (applies) longest = Math.max(longest ?? 0, Math.ceil(wait * 1000));
  }
  return longest;
}
