import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/**
 * A loopback SMTP server (smtp-server) that records what it receives, optionally demands
 * credentials, and can refuse the next messages with a chosen reply code at AUTH, MAIL, RCPT
 * or DATA, or leave a message unanswered. Messages are decoded just enough for tests: headers,
 * subject and the text and HTML parts (quoted-printable and base64).
 */

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

export type FailureStage = 'auth' | 'mail' | 'rcpt' | 'data';

/** One try at delivering that reached the server: a message handed over (DATA) or a refused login. */
export interface SmtpAttempt {
  at: number;
  /** The message's headers; empty for a refused login. */
  headers: Map<string, string>;
}

/** A refusal, or at DATA a message accepted (`accept`) or never answered (`hang`) in its turn. */
type Turn =
  | { stage: FailureStage; kind: 'reply'; code: number; message: string }
  | { stage: 'data'; kind: 'accept' | 'hang' };

export class FakeSmtp {
  readonly messages: ReceivedMail[] = [];
  readonly authAttempts: Array<{ user: string; ok: boolean }> = [];
  readonly attempts: SmtpAttempt[] = [];
  private readonly turns: Turn[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  readonly host = '127.0.0.1';

  static async start(options: { user?: string; password?: string } = {}): Promise<FakeSmtp> {
    let fake: FakeSmtp | undefined;
    const requireAuth = options.user !== undefined;
    const config: SMTPServerOptions = {
      logger: false,
      // Plain loopback: no STARTTLS to negotiate with a self-signed certificate.
      hideSTARTTLS: true,
      disabledCommands: requireAuth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !requireAuth,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        const scripted = fake?.takeFailure('auth');
        const ok = !scripted && auth.username === options.user && auth.password === options.password;
        fake?.authAttempts.push({ user: auth.username ?? '', ok });
        if (ok) return callback(null, { user: auth.username });
        fake?.attempts.push({ at: Date.now(), headers: new Map() });
        return callback(scripted ?? replyError(535, '5.7.8 Authentication credentials invalid'));
      },
      onMailFrom(_address, _session, callback) {
        callback(fake?.takeFailure('mail') ?? null);
      },
      onRcptTo(_address, _session, callback) {
        callback(fake?.takeFailure('rcpt') ?? null);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          fake?.attempts.push({ at: Date.now(), headers: parseMail(raw).headers });
          const planned = fake?.takeTurn('data');
          if (planned === 'hang') return;
          if (planned instanceof Error) return callback(planned);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          fake?.messages.push({
            ...parseMail(raw),
            raw,
            from,
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          callback(null);
        });
      },
    };
    const server = new SMTPServer(config);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    fake = new FakeSmtp(server, port);
    return fake;
  }

  /** The next `times` transactions are refused at `stage` with `code`. */
  failNext(code: number, message: string, options: { stage?: FailureStage; times?: number } = {}): void {
    for (let i = 0; i < (options.times ?? 1); i++)
      this.turns.push({ kind: 'reply', stage: options.stage ?? 'data', code, message });
  }

  /** The next message is accepted in its turn among scripted DATA refusals. */
  acceptNext(): void {
    this.turns.push({ kind: 'accept', stage: 'data' });
  }

  /** The next message is read in full and never answered, until the client gives up. */
  hangNext(): void {
    this.turns.push({ kind: 'hang', stage: 'data' });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFailure(stage: FailureStage): Error | undefined {
    const turn = this.takeTurn(stage);
    return turn instanceof Error ? turn : undefined;
  }

  private takeTurn(stage: FailureStage): Error | 'accept' | 'hang' | undefined {
    const index = this.turns.findIndex((f) => f.stage === stage);
    if (index === -1) return undefined;
    const [failure] = this.turns.splice(index, 1);
    if (!failure) return undefined;
    return failure.kind === 'reply' ? replyError(failure.code, failure.message) : failure.kind;
  }
}

function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

interface MimePart {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): MimePart {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(part: MimePart): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const softBroken = text.replace(/=\n/g, '');
  for (let i = 0; i < softBroken.length; i++) {
    const ch = softBroken[i];
    const hex = softBroken.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words, as nodemailer writes non-ASCII subjects. */
export function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function collectParts(part: MimePart, out: { text: string; html: string }): void {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = part.body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      collectParts(splitPart(section.replace(/^\n/, '')), out);
    }
    return;
  }
  if (type.toLowerCase().startsWith('text/html')) out.html += decodeBody(part);
  else if (type.toLowerCase().startsWith('text/plain')) out.text += decodeBody(part);
}

export function parseMail(raw: string): Omit<ReceivedMail, 'from' | 'to' | 'raw'> {
  const root = splitPart(raw);
  const out = { text: '', html: '' };
  collectParts(root, out);
  return { headers: root.headers, subject: decodeHeader(root.headers.get('subject') ?? ''), ...out };
}
