import { parseHttpUrl } from '../../security/escape.js';

/** A Sentry DSN, `https://<public key>@<host>[/<path>]/<project id>`, taken apart. */
export interface SentryDsn {
  readonly publicKey: string;
  /** The legacy `<public>:<secret>@` form's secret: never sent, only kept out of errors. */
  readonly secretKey?: string;
  readonly host: string;
  readonly projectId: string;
  /** Where the project's envelopes go: `<scheme>://<host>[/<path>]/api/<project id>/envelope/`. */
  readonly envelopeUrl: string;
}

/** The DSN's parts, or undefined when it is not a DSN. Never echoes the value. */
export function parseDsn(dsn: string): SentryDsn | undefined {
  const url = parseHttpUrl(dsn);
  if (!url) return undefined;
  let publicKey: string;
  let secretKey: string;
  try {
    publicKey = decodeURIComponent(url.username);
    secretKey = decodeURIComponent(url.password);
  } catch {
    return undefined;
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const projectId = segments.pop();
  if (publicKey === '' || projectId === undefined || !/^\d+$/.test(projectId)) return undefined;
  const prefix = segments.length > 0 ? `/${segments.join('/')}` : '';
  return {
    publicKey,
    ...(secretKey ? { secretKey } : {}),
    host: url.host,
    projectId,
    envelopeUrl: `${url.protocol}//${url.host}${prefix}/api/${projectId}/envelope/`,
  };
}

export const DSN_FORMAT = 'https://<public key>@<host>/<project id>';
