/** The Event API's collectors: US by default, EU for EU accounts. */
export const US_COLLECTOR = 'https://insights-collector.newrelic.com';
export const EU_COLLECTOR = 'https://insights-collector.eu01.nr-data.net';

export type KeyKind = 'license' | 'insert' | 'user';

/**
 * What a New Relic key is, from its documented prefixes: `NRII-` an Insights insert key (sent as
 * X-Insert-Key), `NRAK-` a User key (which cannot insert events), anything else a license key
 * (sent as Api-Key; EU license keys start with `eu01x`).
 */
export function keyKind(key: string): KeyKind {
  if (key.startsWith('NRII-')) return 'insert';
  if (key.startsWith('NRAK-')) return 'user';
  return 'license';
}

/** `api_url` when set, else the collector of the key's region. */
export function collectorUrl(block: { api_url?: string }, key: string): string {
  if (block.api_url) return block.api_url.replace(/\/+$/, '');
  return key.startsWith('eu01x') ? EU_COLLECTOR : US_COLLECTOR;
}

export function authHeader(key: string): Record<string, string> {
  return keyKind(key) === 'insert' ? { 'x-insert-key': key } : { 'api-key': key };
}
