import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack signs with `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` (api.slack.com/authentication/verifying-requests-from-slack). */
export const SIGNATURE_VERSION = 'v0';
/** Slack's own window is five minutes; ours applies it on both sides, so a clock far ahead is refused too. */
export const MAX_SKEW_SECONDS = 5 * 60;

export type Verdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface SignedRequest {
  timestamp: string | string[] | undefined;
  signature: string | string[] | undefined;
  rawBody: Buffer;
}

/**
 * Checks a request's signature against every configured secret (more than one while a secret is
 * rotated). The timestamp is checked first and is part of the signed text, so a captured request
 * cannot be replayed once it is five minutes old.
 */
export function verifySlackSignature(
  request: SignedRequest,
  secrets: readonly string[],
  nowMs = Date.now(),
): Verdict {
  const timestamp = single(request.timestamp);
  const signature = single(request.signature);
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > MAX_SKEW_SECONDS)
    return { ok: false, reason: 'stale' };
  const match = /^v0=([0-9a-f]{64})$/i.exec(signature.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex');
  for (const secret of secrets) {
    const expected = slackSignatureBytes(secret, timestamp, request.rawBody);
    if (timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** The `X-Slack-Signature` value for a body: what Slack sends, and what tests and benchmarks forge. */
export function slackSignature(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
  return `${SIGNATURE_VERSION}=${slackSignatureBytes(secret, String(timestamp), rawBody).toString('hex')}`;
}

function slackSignatureBytes(secret: string, timestamp: string, rawBody: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${SIGNATURE_VERSION}:${timestamp}:`).update(rawBody).digest();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}
