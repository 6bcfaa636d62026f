import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogConnector } from '../../src/connectors/log/log.connector.js';
import { LogIntegration } from '../../src/connectors/log/schema.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { ConfigError, TransientError } from '../../src/core/errors.js';
import { EVENT_NAMES } from '../../src/core/events.js';
import type { StoredEvent } from '../../src/core/payload.js';
import { HttpClient } from '../../src/net/http-client.js';
import { testConfig } from '../support/config.js';
import { captureStderr } from './log.support.js';

type Payload = StoredEvent['payload'];

function storedEvent(payload: Partial<Payload> & Pick<Payload, 'event'>): StoredEvent {
  return {
    id: 'evt-1',
    receivedAt: Date.now(),
    payload: { id: 'evt-1', timestamp: '2026-05-04T09:12:03Z', ...payload },
  };
}

/** A stream that keeps what is written, or fails every write with `failWith`. */
function memoryStream(failWith?: Error) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (failWith) return done(failWith);
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  // A failed write also emits 'error'; the connector reports it through the write's callback.
  stream.on('error', () => {});
  return { stream, text: () => chunks.join('') };
}

function connectorOn(stream: Writable, events?: readonly string[]) {
  const block = LogIntegration.parse({ enabled: true, ...(events ? { events } : {}) });
  return new LogConnector(block, { name: 'memory', stream }, 3, 10_000);
}

const FAILED: Payload = {
  id: 'evt-1',
  timestamp: '2026-05-04T09:12:03Z',
  event: 'implementation_failed',
  spec: { id: 'FEAT-0001', title: 'User Authentication' },
  branch: 'feat/auth',
  pr: { number: 42, url: 'https://github.com/acme/specs/pull/42' },
  repository: { owner: 'acme', name: 'specs' },
  error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
};

describe('log connector', () => {
  it('writes a delivered notification as one line: headline, key fields, links, repository, delivery id', async () => {
    const out = memoryStream();
    const receipt = await connectorOn(out.stream).deliver(storedEvent(FAILED), {
      deliveryId: 'evt-1.log',
      attempt: 1,
    });
    const lines = out.text().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z notification /);
    expect(lines[0]!.replace(/^\S+ /, '')).toBe(
      'notification ❌ Spec Implementation Failed · ID: FEAT-0001 · Title: User Authentication · ' +
        'Branch: feat/auth · PR: #42 · Error: Schema validation failed · ' +
        'View PR: https://github.com/acme/specs/pull/42 · Logs: https://ci.example.com/runs/7 · ' +
        'acme/specs · delivery evt-1.log',
    );
    expect(receipt.summary).toBe('written to memory: ❌ Spec Implementation Failed FEAT-0001');
  });

  it('keeps sender text on one line, without terminal escapes, bidi overrides or overlong values', async () => {
    const out = memoryStream();
    const hostile = storedEvent({
      event: 'validation_failed',
      spec: { id: 'FEAT-7', title: 'ok\u001b[2J\u001b]0;pwned\u0007 title\r\nsecond line\u202Eevil' },
      error: `${'x'.repeat(5_000)}\nTraceback`,
    });
    await connectorOn(out.stream).deliver(hostile, { deliveryId: 'evt-1.log', attempt: 1 });
    const text = out.text();
    expect(text.split('\n')).toHaveLength(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202E]/);
    expect(text).toContain('Title: ok[2J]0;pwned title second lineevil');
    expect(text).toContain(`Error: ${'x'.repeat(199)}…`);
    expect(text).not.toContain('Traceback');
  });

  it('shows links without user info, query or fragment, where signed URLs keep their credentials', async () => {
    const out = memoryStream();
    const signed = storedEvent({
      event: 'implementation_failed',
      spec: { id: 'FEAT-9', url: 'https://ci-user:ci-pa55word@specs.example.com/FEAT-9#top' },
      logs_url: 'https://logs.example.com/run/9?X-Amz-Signature=0123456789abcdef&token=t0ken-value',
    });
    await connectorOn(out.stream).deliver(signed, { deliveryId: 'evt-1.log', attempt: 1 });
    const text = out.text();
    expect(text).toContain('View Spec: https://specs.example.com/FEAT-9 ·');
    expect(text).toContain('Logs: https://logs.example.com/run/9?… ·');
    for (const secret of ['ci-user', 'ci-pa55word', '0123456789abcdef', 't0ken-value', '#top'])
      expect(text).not.toContain(secret);
  });

  it('writes no secret of the config, whatever else is configured beside it', async () => {
    const http = new HttpClient({ allowPrivateNetworks: true });
    const loaded = testConfig(
      'unused',
      `integrations:
  log: { enabled: true }
  slack: { enabled: true, webhook_url: "https://hooks.slack.com/services/T0/B0/slack-secret-0123456789" }
  webhooks:
    enabled: true
    endpoints: [{ name: ops, url: "https://ops.example.com/in", events: [implementation_failed], secret: "hmac-secret-0123456789", headers: { Authorization: "Bearer header-token-0123456789" } }]
`,
    );
    const registry = await ConnectorRegistry.fromConfig(loaded.config, { http });
    const stderr = captureStderr();
    try {
      await registry.get('log')!.deliver(storedEvent(FAILED), { deliveryId: 'evt-1.log', attempt: 1 });
    } finally {
      stderr.restore();
      await registry.close();
      await http.close();
    }
    const written = stderr.writes.map((w) => w.text).join('');
    expect(written).toContain('notification ❌ Spec Implementation Failed · ID: FEAT-0001');
    expect(loaded.secrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of loaded.secrets) expect(written).not.toContain(secret);
  });

  it('takes every event of the catalogue when events is left out, and only the listed ones otherwise', () => {
    const everything = connectorOn(memoryStream().stream);
    for (const event of EVENT_NAMES) expect(everything.accepts(event)).toBe(true);
    const some = connectorOn(memoryStream().stream, ['implementation_failed', 'pr_merged']);
    expect(EVENT_NAMES.filter((e) => some.accepts(e))).toEqual(['implementation_failed', 'pr_merged']);
  });

  it('refuses an empty events list and an unknown key in the config, naming the key', () => {
    const problems = (yaml: string) => {
      try {
        testConfig('unused', yaml);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.map((p) => p.path);
      }
      return [];
    };
    expect(problems('integrations: { log: { enabled: true, events: [] } }')).toEqual([
      'integrations.log.events',
    ]);
    expect(problems('integrations: { log: { enabled: true, format: json } }')).toEqual([
      'integrations.log.format',
    ]);
  });

  it('check() reports where it writes and for how many events, without writing anything', async () => {
    const out = memoryStream();
    expect(await connectorOn(out.stream, ['implementation_failed']).check()).toEqual({
      ok: true,
      detail: 'writes one line per notification to memory (1 event)',
    });
    expect(out.text()).toBe('');
  });

  it('check() reports a closed stream, and a delivery to it fails as transient, to be retried', async () => {
    const out = memoryStream();
    out.stream.end();
    const connector = connectorOn(out.stream);
    expect(await connector.check()).toEqual({
      ok: false,
      detail: 'memory is closed: notification lines cannot be written',
    });
    await expect(
      connector.deliver(storedEvent(FAILED), { deliveryId: 'evt-1.log', attempt: 1 }),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('fails a delivery whose write fails as transient, saying what failed', async () => {
    const out = memoryStream(Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' }));
    const delivery = connectorOn(out.stream).deliver(storedEvent(FAILED), {
      deliveryId: 'evt-1.log',
      attempt: 1,
    });
    await expect(delivery).rejects.toBeInstanceOf(TransientError);
    await expect(delivery).rejects.toThrow('writing to memory failed: EPIPE: broken pipe');
  });
});
