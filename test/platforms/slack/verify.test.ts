import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../../src/platforms/slack/verify.js';

// The example on api.slack.com/authentication/verifying-requests-from-slack.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = 1531420618;
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const DOC_BODY = Buffer.from(
  readFileSync(new URL('../../fixtures/slack/signing-example.form', import.meta.url), 'utf8'),
);
const AT_DOC_TIME = DOC_TIMESTAMP * 1000;

function verify(
  overrides: { timestamp?: string; signature?: string; body?: Buffer; secrets?: string[] },
  nowMs = AT_DOC_TIME,
) {
  return verifySlackSignature(
    {
      timestamp: overrides.timestamp ?? String(DOC_TIMESTAMP),
      signature: overrides.signature ?? DOC_SIGNATURE,
      rawBody: overrides.body ?? DOC_BODY,
    },
    overrides.secrets ?? [DOC_SECRET],
    nowMs,
  );
}

describe('Slack request signatures (v0)', () => {
  it('accepts the example from Slack’s documentation', () => {
    expect(verify({})).toEqual({ ok: true });
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
  });

  it('accepts a request up to five minutes old or early, and refuses one older or later', () => {
    expect(verify({}, AT_DOC_TIME + 300_000)).toEqual({ ok: true });
    expect(verify({}, AT_DOC_TIME - 300_000)).toEqual({ ok: true });
    expect(verify({}, AT_DOC_TIME + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verify({}, AT_DOC_TIME - 301_000)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a changed body, a changed timestamp and another secret', () => {
    expect(verify({ body: Buffer.concat([DOC_BODY, Buffer.from('&x=1')]) })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verify({ timestamp: String(DOC_TIMESTAMP + 1) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify({ secrets: ['another-secret'] })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts any of several secrets while one is being rotated', () => {
    expect(verify({ secrets: ['the-new-secret', DOC_SECRET] })).toEqual({ ok: true });
  });

  it('refuses missing and malformed headers without computing anything', () => {
    expect(
      verifySlackSignature({ timestamp: undefined, signature: DOC_SIGNATURE, rawBody: DOC_BODY }, []),
    ).toEqual({ ok: false, reason: 'missing' });
    expect(verify({ signature: DOC_SIGNATURE.replace('v0=', 'v1=') })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verify({ signature: 'v0=zz' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ timestamp: '1531420618.5' })).toEqual({ ok: false, reason: 'malformed' });
    expect(verify({ timestamp: 'soon' })).toEqual({ ok: false, reason: 'malformed' });
  });
});
