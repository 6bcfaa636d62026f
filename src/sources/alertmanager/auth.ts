import { createHash, timingSafeEqual } from 'node:crypto';
import type { AlertmanagerInboundConfig } from './schema.js';

/**
 * Whether an `Authorization` header carries one of the configured credentials, as Alertmanager's
 * `http_config` sends them: `Bearer <token>` (`authorization` or `bearer_token`) or
 * `Basic <base64 user:password>` (`basic_auth`). Values are compared as SHA-256 digests with
 * timingSafeEqual, and every configured credential is compared, so neither the time taken nor an
 * early exit tells which part or which credential was close.
 */
export function authorised(settings: AlertmanagerInboundConfig, header: string | undefined): boolean {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header ?? '');
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2] ?? '';
  let ok = false;
  if (scheme === 'bearer') {
    for (const token of settings.bearer_token) if (same(value, token)) ok = true;
  } else if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon >= 0 ? decoded.slice(0, colon) : decoded;
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    for (const credential of settings.basic_auth) {
      const user = same(username, credential.username);
      const pass = same(password, credential.password);
      if (user && pass && colon >= 0) ok = true;
    }
  }
  return ok;
}

function same(received: string, expected: string): boolean {
  return timingSafeEqual(digest(received), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
