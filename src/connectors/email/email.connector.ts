import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { digestCard, eventHeadline, eventSubject, notificationCard } from '../../../cards/notification.js';
import { AuthError, ThreadlineError, TransientError, ValidationError } from '../../core/errors.js';
import type { EventName } from '../../core/events.js';
import type { StoredEvent } from '../../core/payload.js';
import { assertPublicAddress } from '../../net/ssrf.js';
import { Redactor } from '../../observability/redact.js';
import type { Connector, DeliveryContext, DeliveryReceipt, HealthResult } from '../connector.js';
import { type EmailContent, emailSubject, renderEmail } from './render.js';
import type { EmailIntegrationConfig } from './schema.js';

type PoolTransport = Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

export interface EmailConnectorOptions {
  allowPrivateNetworks: boolean;
}

export const DELIVERY_ID_HEADER = 'X-Threadline-Delivery-Id';

const TRANSIENT_REPLIES = new Set([421, 450, 451, 452]);
const AUTH_REPLIES = new Set([530, 534, 535, 538]);
const NETWORK_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETLS',
]);
/** Ports where `secure: true` can only mean "insist on STARTTLS": they never speak TLS first. */
const STARTTLS_PORTS = new Set([25, 587]);

/** E-mail notifications over SMTP, one pooled transport per connector. */
export class EmailConnector implements Connector {
  readonly key = 'email';
  readonly integration = 'email' as const;
  readonly humanFacing = true;
  private transport: Promise<PoolTransport> | undefined;
  private closed = false;
  private readonly redactor: Redactor;
  private readonly where: string;

  constructor(
    private readonly config: EmailIntegrationConfig,
    private readonly options: EmailConnectorOptions,
    readonly retryCount: number,
    readonly timeoutMs: number,
  ) {
    const { user, password } = config.smtp;
    this.redactor = new Redactor([user, password].filter((s): s is string => s !== undefined));
    this.where = `${config.smtp.host}:${config.smtp.port}`;
  }

  accepts(event: EventName): boolean {
    return this.recipientsFor([event]).length > 0;
  }

  async deliver(event: StoredEvent, context: DeliveryContext): Promise<DeliveryReceipt> {
    const to = this.recipientsFor([event.payload.event]);
    if (to.length === 0)
      throw new ValidationError(`no e-mail recipients are configured for ${event.payload.event}`);
    const subject = emailSubject(eventHeadline(event), eventSubject(event));
    return this.send(to, renderEmail(notificationCard(event), subject), context);
  }

  async deliverDigest(events: readonly StoredEvent[], context: DeliveryContext): Promise<DeliveryReceipt> {
    const to = this.recipientsFor(events.map((e) => e.payload.event));
    if (to.length === 0) throw new ValidationError('no e-mail recipients are configured for these events');
    const card = digestCard(events);
    return this.send(to, renderEmail(card, emailSubject(card.title)), context);
  }

  async check(): Promise<HealthResult> {
    const routed = Object.values(this.config.recipients).filter((list) => list && list.length > 0).length;
    if (routed === 0) return { ok: false, detail: 'no event has recipients configured' };
    const { secure, port, user } = this.config.smtp;
    const tls = tlsMode(secure, port);
    return {
      ok: true,
      detail: `SMTP ${this.where} (${tls}${user ? ', authenticated' : ''}); ${routed} event(s) with recipients`,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.transport;
    this.transport = undefined;
    if (!pending) return;
    try {
      (await pending).close();
    } catch {
      // A transport that never came up has nothing to close.
    }
  }

  private recipientsFor(events: readonly EventName[]): string[] {
    const all = events.flatMap((e) => this.config.recipients[e] ?? []);
    return [...new Set(all)];
  }

  private async send(
    to: string[],
    content: EmailContent,
    context: DeliveryContext,
  ): Promise<DeliveryReceipt> {
    if (this.closed) throw new TransientError('the e-mail connector is shutting down');
    const transport = await this.getTransport();
    try {
      const info = await transport.sendMail({
        from: this.config.from,
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        // The same Message-ID on every attempt lets mail systems fold a retried duplicate.
        messageId: `<${context.deliveryId.replace(/[^\w.-]/g, '_')}@threadline>`,
        headers: { [DELIVERY_ID_HEADER]: context.deliveryId },
      });
      const rejected = info.rejected.length;
      return {
        reference: info.messageId,
        summary: `e-mailed ${to.length - rejected} recipient(s) via ${this.where}${rejected ? `, ${rejected} rejected` : ''}`,
      };
    } catch (error) {
      throw this.mapError(error);
    }
  }

  private getTransport(): Promise<PoolTransport> {
    if (!this.transport) {
      const creating = this.createTransport();
      this.transport = creating;
      // A failed resolution is not cached: the next delivery tries again.
      creating.catch(() => {
        if (this.transport === creating) this.transport = undefined;
      });
    }
    return this.transport;
  }

  private async createTransport(): Promise<PoolTransport> {
    const { host, port, secure, user, password } = this.config.smtp;
    const address = this.options.allowPrivateNetworks ? host : await resolvePublicAddress(host);
    const implicitTls = tlsMode(secure, port) === 'TLS';
    return nodemailer.createTransport({
      pool: true,
      maxConnections: 3,
      host: address,
      port,
      secure: implicitTls,
      requireTLS: secure && !implicitTls,
      auth: user ? { user, pass: password ?? '' } : undefined,
      // The socket goes to the checked IP; the certificate must still match the configured name.
      tls: isIP(host) ? {} : { servername: host },
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
      logger: false,
    });
  }

  private mapError(error: unknown): Error {
    if (error instanceof ThreadlineError) return error;
    const e = error as { responseCode?: unknown; code?: unknown; response?: unknown };
    const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
    const code = typeof e.code === 'string' ? e.code : undefined;
    const detail =
      typeof e.response === 'string'
        ? `: ${this.redactor.text(e.response.split('\n')[0] ?? '').slice(0, 200)}`
        : '';
    const what = `the SMTP server ${this.where}`;
    if (reply !== undefined && TRANSIENT_REPLIES.has(reply))
      return new TransientError(`${what} deferred the message (${reply})${detail}`);
    if ((reply !== undefined && AUTH_REPLIES.has(reply)) || code === 'EAUTH' || code === 'ENOAUTH') {
      return new AuthError(
        `${what} refused our credentials${reply ? ` (${reply})` : ''}; check integrations.email.smtp.user and integrations.email.smtp.password (SMTP_USER, SMTP_PASSWORD)`,
      );
    }
    if (reply !== undefined && reply >= 500)
      return new ValidationError(`${what} rejected the message (${reply})${detail}`);
    if (reply !== undefined && reply >= 400)
      return new TransientError(`${what} deferred the message (${reply})${detail}`);
    if (code === 'ETIMEDOUT') return new TransientError(`${what} did not answer within ${this.timeoutMs} ms`);
    if (code !== undefined && NETWORK_CODES.has(code))
      return new TransientError(`could not talk to ${what} (${code})`);
    return new TransientError(`sending through ${what} failed${code ? ` (${code})` : ''}`);
  }
}

function tlsMode(secure: boolean, port: number): 'TLS' | 'STARTTLS required' | 'STARTTLS when offered' {
  if (!secure) return 'STARTTLS when offered';
  return STARTTLS_PORTS.has(port) ? 'STARTTLS required' : 'TLS';
}

/**
 * Resolves the SMTP host once and refuses it when any address is not public, so a name that
 * points (or later re-points) into the private network cannot be used to reach it.
 */
async function resolvePublicAddress(host: string): Promise<string> {
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TransientError(`could not resolve SMTP host ${host}${code ? ` (${code})` : ''}`);
  }
  const first = addresses[0];
  if (!first) throw new TransientError(`SMTP host ${host} resolved to no address`);
  for (const { address } of addresses) assertPublicAddress(address, host);
  return first.address;
}
