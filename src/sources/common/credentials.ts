import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface BasicCredential {
  username: string;
  password: string;
}

/**
 * Whether `received` equals one of `expected`. Values are compared as SHA-256 digests with
 * timingSafeEqual, and every candidate is compared, so neither the time taken nor an early exit
 * tells which credential was close.
 */
export function matchesAny(received: string, expected: readonly string[]): boolean {
  let ok = false;
  for (const candidate of expected) if (same(received, candidate)) ok = true;
  return ok;
}

/**
 * Whether an `Authorization` header carries one of the credentials: `Bearer <token>` or
 * `Basic <base64 user:password>`. The scheme is read case-insensitively.
 */
export function authorizationMatches(
  header: string | undefined,
  credentials: { tokens: readonly string[]; basic: readonly BasicCredential[] },
): boolean {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header ?? '');
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2] ?? '';
  if (scheme === 'bearer') return matchesAny(value, credentials.tokens);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon >= 0 ? decoded.slice(0, colon) : decoded;
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  let ok = false;
  for (const credential of credentials.basic) {
    const user = same(username, credential.username);
    const pass = same(password, credential.password);
    if (user && pass && colon >= 0) ok = true;
  }
  return ok;
}

/** Whether `signature` is the hex HMAC-SHA256 of `raw` under one of the secrets (case-insensitive hex). */
export function hmacHexMatches(
  raw: Buffer,
  signature: string | undefined,
  secrets: readonly string[],
): boolean {
  const received = (signature ?? '').trim().toLowerCase();
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(raw).digest('hex');
    if (same(received, expected)) ok = true;
  }
  return ok && received !== '';
}

function same(received: string, expected: string): boolean {
  return timingSafeEqual(digest(received), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
