import { describe, expect, it } from 'vitest';
import {
  signatureHeader,
  standardWebhookSignature,
  verifySignatureHeader,
} from '../../src/security/signing.js';

describe('webhook signatures', () => {
  it("matches GitHub's published X-Hub-Signature-256 test vector", () => {
    // docs.github.com: "Validating webhook deliveries" — secret, payload and expected signature.
    expect(signatureHeader("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    expect(
      verifySignatureHeader(
        ["It's a Secret to Everybody"],
        Buffer.from('Hello, World!'),
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
    ).toBe(true);
  });

  it('matches the Standard Webhooks specification test vector', () => {
    // standard-webhooks reference libraries' shared test case.
    expect(
      standardWebhookSignature(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies against any secret of a rotation list and rejects anything malformed', () => {
    const body = Buffer.from('{"event":"spec_created"}');
    const header = signatureHeader('new-secret', body);
    expect(verifySignatureHeader(['old-secret', 'new-secret'], body, header)).toBe(true);
    expect(verifySignatureHeader(['old-secret'], body, header)).toBe(false);
    expect(
      verifySignatureHeader(['new-secret'], body, header.toUpperCase().replace('SHA256=', 'sha256=')),
    ).toBe(true);
    for (const bad of [
      undefined,
      '',
      'sha256=',
      'sha1=abc',
      header.slice(0, -2),
      `${header}00`,
      header.replace('sha256=', 'md5='),
    ]) {
      expect(verifySignatureHeader(['new-secret'], body, bad)).toBe(false);
    }
    expect(verifySignatureHeader([], body, header)).toBe(false);
  });
});
