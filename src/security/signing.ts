import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of the raw body>`: the Integrations Guide's (and GitHub's) scheme. */
export function signatureHeader(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an X-Signature-256 value against any of the accepted secrets. */
export function verifySignatureHeader(
  secrets: readonly string[],
  body: Buffer,
  header: string | undefined,
): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const received = Buffer.from(header.slice('sha256='.length).toLowerCase(), 'hex');
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    // Every secret is compared, so timing reveals neither which secret matched nor where it differed.
    if (timingSafeEqual(expected, received)) matched = true;
  }
  return matched;
}

/**
 * Standard Webhooks (standardwebhooks.com) signature: base64 HMAC-SHA256 over
 * `${id}.${timestamp}.${body}`. A `whsec_`-prefixed secret is base64 key material, as that
 * specification defines; any other secret is used as its UTF-8 bytes.
 */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret);
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}
