import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Connector } from '../../src/connectors/connector.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import {
  AuthError,
  BlockedDestinationError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import { FakeSmtp } from '../fakes/smtp.js';
import { stored } from './support.js';

const USER = 'threadline-mailer';
const PASSWORD = 'smtp-P4ssw0rd-very-secret';
const http = new HttpClient({ allowPrivateNetworks: true });
let smtp: FakeSmtp;
const registries: ConnectorRegistry[] = [];

beforeAll(async () => {
  smtp = await FakeSmtp.start({ user: USER, password: PASSWORD });
});
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
  smtp.messages.length = 0;
  smtp.authAttempts.length = 0;
});
afterAll(async () => {
  await smtp.close();
  await http.close();
});

interface Options {
  host?: string;
  port?: number;
  password?: string;
  allowPrivate?: boolean;
}

async function build(options: Options = {}): Promise<{ registry: ConnectorRegistry; email: Connector }> {
  const { config } = parseConfigText(
    `
security: { allow_private_networks: ${options.allowPrivate ?? true} }
inbound: { events: { enabled: false } }
queue: { request_timeout_ms: 3000 }
integrations:
  email:
    enabled: true
    smtp:
      host: "${options.host ?? smtp.host}"
      port: ${options.port ?? smtp.port}
      secure: false
      user: "${USER}"
      password: "${options.password ?? PASSWORD}"
    from: "specs@example.com"
    recipients:
      implementation_failed: ["oncall@example.com", "lead@example.com"]
      pr_created: ["reviewers@example.com", "lead@example.com"]
`,
    {},
  );
  const registry = await ConnectorRegistry.fromConfig(config, { http });
  registries.push(registry);
  const email = registry.get('email');
  if (!email) throw new Error('email connector not built');
  return { registry, email };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const context = { deliveryId: 'dlv-42', attempt: 1 };
const failed = stored({
  event: 'implementation_failed',
  spec: { id: 'FEAT-0001', title: 'User Authentication' },
  error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
});
const prCreated = stored(
  {
    event: 'pr_created',
    spec: { id: 'FEAT-0002' },
    pr: { number: 43, url: 'https://github.com/acme/app/pull/43' },
  },
  'evt-2',
);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('E-mail connector', () => {
  it('accepts only events that have recipients', async () => {
    const { email } = await build();
    expect(email.key).toBe('email');
    expect(email.humanFacing).toBe(true);
    expect(email.accepts('implementation_failed')).toBe(true);
    expect(email.accepts('pr_created')).toBe(true);
    expect(email.accepts('implementation_completed')).toBe(false);
  });

  it('sends text and HTML bodies to the event’s recipients with the guide’s layout', async () => {
    const receipt = await (await build()).email.deliver(failed, context);
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    if (!mail) throw new Error('no mail');
    expect(mail.from).toBe('specs@example.com');
    expect(mail.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail.subject).toBe('[Threadline] ❌ Spec Implementation Failed: FEAT-0001');
    expect(mail.headers.get('x-threadline-delivery-id')).toBe('dlv-42');
    expect(mail.headers.get('message-id')).toBe('<dlv-42@threadline>');
    expect(mail.text.trimEnd()).toBe(
      [
        '❌ Spec Implementation Failed',
        '• ID: FEAT-0001',
        '• Title: User Authentication',
        '• Error: Schema validation failed',
        '• Logs: View Details <https://ci.example.com/runs/7>',
      ].join('\n'),
    );
    expect(mail.html).toContain('<h2');
    expect(mail.html).toContain('<th align="left" valign="top" style="padding:4px 12px 4px 0">Error</th>');
    expect(mail.html).toContain('<a href="https://ci.example.com/runs/7">View Details</a>');
    expect(receipt).toEqual({
      reference: '<dlv-42@threadline>',
      summary: `e-mailed 2 recipient(s) via 127.0.0.1:${smtp.port}`,
    });
    expect(smtp.authAttempts).toEqual([{ user: USER, ok: true }]);
  });

  it('keeps the same Message-ID on a retried delivery', async () => {
    const { email } = await build();
    await email.deliver(failed, context);
    await email.deliver(failed, { ...context, attempt: 2 });
    expect(smtp.messages.map((m) => m.headers.get('message-id'))).toEqual([
      '<dlv-42@threadline>',
      '<dlv-42@threadline>',
    ]);
  });

  it('never lets event text inject HTML into the e-mail', async () => {
    const attack = stored({
      event: 'implementation_failed',
      spec: { id: 'FEAT-1', title: '<script>alert(1)</script>' },
      error: '<img src=x onerror=alert(1)> "quoted" & more',
      logs_url: 'https://ci.example.com/runs/7?a=1&b="><script>',
    });
    await (await build()).email.deliver(attack, context);
    const mail = smtp.messages[0];
    expect(mail?.html).not.toMatch(/<script|<img/i);
    expect(mail?.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail?.html).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; more');
    expect(mail?.html).not.toMatch(/href="[^"]*"[^>]*>[^<]*<script/);
    expect(mail?.text).toContain('• Title: <script>alert(1)</script>');
  });

  it('keeps the subject on one line whatever the spec id says', async () => {
    const attack = stored({
      event: 'implementation_failed',
      spec: { id: 'FEAT-1\r\nBcc: victim@example.com' },
    });
    await (await build()).email.deliver(attack, context);
    const mail = smtp.messages[0];
    expect(mail?.subject).toBe('[Threadline] ❌ Spec Implementation Failed: FEAT-1 Bcc: victim@example.com');
    expect(mail?.headers.has('bcc')).toBe(false);
    expect(mail?.to).toEqual(['oncall@example.com', 'lead@example.com']);
  });

  it('sends a digest once to everyone who would have received the events', async () => {
    await (await build()).email.deliverDigest?.([failed, prCreated], { deliveryId: 'digest-1', attempt: 1 });
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    expect(mail?.to).toEqual(['oncall@example.com', 'lead@example.com', 'reviewers@example.com']);
    expect(mail?.subject).toBe('[Threadline] 📨 2 notifications held by the rate limit');
    expect(mail?.text).toContain(
      '❌ Spec Implementation Failed: FEAT-0001\n🔀 Pull Request Opened: FEAT-0002',
    );
  });

  it('maps a refused login to AuthError without revealing the password', async () => {
    const wrong = 'wrong-P4ssw0rd-also-secret';
    const error = await rejection((await build({ password: wrong })).email.deliver(failed, context));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(PASSWORD);
    expect(smtp.messages).toHaveLength(0);
  });

  it('maps temporary SMTP refusals to TransientError', async () => {
    const { email } = await build();
    for (const [code, stage] of [
      [451, 'data'],
      [421, 'mail'],
      [450, 'rcpt'],
      [452, 'data'],
    ] as const) {
      smtp.failNext(code, 'try again later', { stage, times: stage === 'rcpt' ? 2 : 1 });
      const error = await rejection(email.deliver(failed, context));
      expect(error, `reply ${code} at ${stage}`).toBeInstanceOf(TransientError);
    }
    await expect(email.deliver(failed, context)).resolves.toMatchObject({ reference: '<dlv-42@threadline>' });
  });

  it('maps permanent SMTP refusals to ValidationError', async () => {
    const { email } = await build();
    smtp.failNext(554, 'message rejected as spam', { stage: 'data' });
    expect(await rejection(email.deliver(failed, context))).toBeInstanceOf(ValidationError);
    smtp.failNext(550, 'no such user', { stage: 'rcpt', times: 2 });
    expect(await rejection(email.deliver(failed, context))).toBeInstanceOf(ValidationError);
  });

  it('reports recipients the server refused while delivering to the rest', async () => {
    const { email } = await build();
    smtp.failNext(550, 'no such user', { stage: 'rcpt' });
    const receipt = await email.deliver(failed, context);
    expect(receipt.summary).toBe(`e-mailed 1 recipient(s) via 127.0.0.1:${smtp.port}, 1 rejected`);
    expect(smtp.messages[0]?.to).toEqual(['lead@example.com']);
  });

  it('maps an unreachable server to TransientError', async () => {
    const port = await freePort();
    const error = await rejection((await build({ port })).email.deliver(failed, context));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('refuses an SMTP host on a private network unless private networks are allowed', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const error = await rejection(
        (await build({ host, allowPrivate: false })).email.deliver(failed, context),
      );
      expect(error, host).toBeInstanceOf(BlockedDestinationError);
      expect(error.message).not.toContain(PASSWORD);
    }
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.authAttempts).toHaveLength(0);
  });

  it('stops sending once closed, and the registry closes it', async () => {
    const { registry, email } = await build();
    await email.deliver(failed, context);
    await registry.close();
    expect(await rejection(email.deliver(failed, context))).toBeInstanceOf(TransientError);
    expect(smtp.messages).toHaveLength(1);
  });

  it('describes its configuration in check() without connecting', async () => {
    await expect((await build()).email.check()).resolves.toEqual({
      ok: true,
      detail: `SMTP 127.0.0.1:${smtp.port} (STARTTLS when offered, authenticated); 2 event(s) with recipients`,
    });
    expect(smtp.authAttempts).toHaveLength(0);
  });
});
