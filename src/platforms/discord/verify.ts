import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { SIGNATURE_MAX_AGE_SECONDS } from './limits.js';

/**
 * Discord signs every interaction with the application's Ed25519 key: the signature in
 * X-Signature-Ed25519 covers X-Signature-Timestamp followed by the raw body. Discord probes the
 * endpoint with deliberately bad signatures and expects a 401 for them.
 */
export class InteractionVerifier {
  private readonly key: KeyObject;

  /** `publicKeyHex`: the 64-hex-digit key from the application's General Information page. */
  constructor(
    publicKeyHex: string,
    private readonly maxAgeSeconds = SIGNATURE_MAX_AGE_SECONDS,
  ) {
    if (!/^[0-9a-f]{64}$/i.test(publicKeyHex))
      throw new Error('the Discord public key must be 64 hex digits');
    // A raw 32-byte Ed25519 key becomes a KeyObject through its JWK form.
    this.key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyHex, 'hex').toString('base64url') },
      format: 'jwk',
    });
  }

  /** Why the request is refused, or undefined when it is genuine and fresh. */
  check(
    signature: string | string[] | undefined,
    timestamp: string | string[] | undefined,
    body: Buffer,
    nowMs = Date.now(),
  ): string | undefined {
    if (typeof signature !== 'string' || typeof timestamp !== 'string')
      return 'missing X-Signature-Ed25519 or X-Signature-Timestamp';
    if (!/^[0-9a-f]{128}$/i.test(signature)) return 'invalid request signature';
    let valid = false;
    try {
      valid = verify(
        null,
        Buffer.concat([Buffer.from(timestamp, 'utf8'), body]),
        this.key,
        Buffer.from(signature, 'hex'),
      );
    } catch {
      valid = false;
    }
    if (!valid) return 'invalid request signature';
    // Checked after the signature, so an attacker learns nothing about the window from a forgery.
    if (!/^\d{1,12}$/.test(timestamp)) return 'invalid X-Signature-Timestamp';
    const age = Math.abs(nowMs / 1000 - Number(timestamp));
    if (age > this.maxAgeSeconds) return 'stale X-Signature-Timestamp';
    return undefined;
  }
}
