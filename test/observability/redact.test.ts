import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { REDACTED, Redactor, safeUrl } from '../../src/observability/redact.js';

describe('redaction', () => {
  const redactor = new Redactor([
    'xoxb-1234-secret-token',
    'https://hooks.slack.com/services/T1/B2/abcdef123456',
  ]);

  it('removes known secret values wherever they appear in text', () => {
    expect(redactor.text('posting with xoxb-1234-secret-token failed')).toBe(
      `posting with ${REDACTED} failed`,
    );
    expect(redactor.text('POST https://hooks.slack.com/services/T1/B2/abcdef123456 → 500')).toBe(
      `POST ${REDACTED} → 500`,
    );
  });

  it('redacts secret-named keys at any depth, and errors with their stacks', () => {
    const error = new Error('auth failed for xoxb-1234-secret-token');
    const cleaned = redactor.value({
      request: {
        headers: { Authorization: 'Bearer abc', 'X-Api-Key': 'k' },
        body: { nested: [{ routing_key: 'R123', note: 'fine' }] },
      },
      error,
    }) as Record<string, never>;
    expect(JSON.stringify(cleaned)).not.toMatch(/Bearer abc|"k"|R123|xoxb-1234-secret-token/);
    expect(JSON.stringify(cleaned)).toContain('fine');
  });

  it('reduces URLs to their origin', () => {
    expect(safeUrl('https://user:pw@hooks.example.com/services/secret?token=x')).toBe(
      'https://hooks.example.com/…',
    );
    expect(safeUrl('not a url')).toBe('[invalid url]');
  });

  it('applies to every line pino writes', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', redactor, destination });
    logger.info(
      { config: { bot_token: 'xoxb-1234-secret-token' }, err: new Error('boom xoxb-1234-secret-token') },
      'message mentions xoxb-1234-secret-token',
    );
    logger.warn('plain message with https://hooks.slack.com/services/T1/B2/abcdef123456');
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(text).toContain('boom [redacted]');
    expect(text).not.toContain('xoxb-1234-secret-token');
    expect(text).not.toContain('abcdef123456');
  });
});
