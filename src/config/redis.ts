import { z } from 'zod';
import { flag, int, secret } from '../core/schema-primitives.js';

/*
 * The `redis:` block: one Redis (redis:// or rediss:// URL), a master found through Sentinel
 * (a redis+sentinel:// URL, or `sentinels` + `name`) or a Redis Cluster (`cluster.nodes`). The
 * block is turned into one `RedisEndpoint` that src/queue/redis.ts builds clients from.
 */

export interface HostPort {
  host: string;
  port: number;
}

export type RedisEndpoint =
  | { mode: 'standalone'; url: string; username?: string; password?: string }
  | {
      mode: 'sentinel';
      sentinels: HostPort[];
      name: string;
      db: number;
      tls: boolean;
      username?: string;
      password?: string;
      sentinel_password?: string;
    }
  | { mode: 'cluster'; nodes: HostPort[]; tls: boolean; username?: string; password?: string };

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_SENTINEL_PORT = 26379;

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@,[\]]+)(?::(\d{1,5}))?$/;

/** `host:port` (or `[v6]:port`); `defaultPort` when the port is left out, else the port is required. */
export function parseAddress(text: string, defaultPort?: number): HostPort | undefined {
  const match = ADDRESS.exec(text.trim());
  if (!match) return undefined;
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port === undefined || port < 1 || port > 65535) return undefined;
  return { host, port };
}

const SENTINEL_URL =
  /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/?#]+)(?:\/(\d+))?\/?$/;

export interface SentinelUrl {
  sentinels: HostPort[];
  name: string;
  db?: number;
  tls: boolean;
  username?: string;
  password?: string;
}

/** `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/mastername[/db]`; undefined when malformed. */
export function parseSentinelUrl(url: string): SentinelUrl | undefined {
  const match = SENTINEL_URL.exec(url.trim());
  if (!match) return undefined;
  const [, scheme, user, pass, hosts, name, db] = match;
  const sentinels = hosts!.split(',').map((part) => parseAddress(part, DEFAULT_SENTINEL_PORT));
  if (sentinels.some((s) => s === undefined)) return undefined;
  try {
    return {
      sentinels: sentinels as HostPort[],
      name: decodeURIComponent(name!),
      ...(db === undefined ? {} : { db: Number(db) }),
      tls: scheme === 'rediss',
      ...(user ? { username: decodeURIComponent(user) } : {}),
      ...(pass ? { password: decodeURIComponent(pass) } : {}),
    };
  } catch {
    return undefined; // a malformed %-escape
  }
}

function isStandaloneUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

function standaloneCredentials(url: string): { username?: string; password?: string } {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

const address = z.union(
  [
    z.strictObject({ host: z.string().min(1), port: int(1, 65535) }),
    z
      .string()
      .refine((text) => parseAddress(text) !== undefined)
      .transform((text) => parseAddress(text)!),
  ],
  { error: 'must be host:port or {host, port}' },
);

const HASH_TAG = /\{[^{}]+\}/;

const RedisBlock = z.strictObject({
  /** redis://, rediss://, or redis+sentinel:// (rediss+sentinel:// for TLS). */
  url: z
    .string()
    .refine(
      (url) => isStandaloneUrl(url) || parseSentinelUrl(url) !== undefined,
      'must be a redis://, rediss:// or redis+sentinel://host:port[,host:port]/mastername[/db] URL',
    )
    .optional(),
  sentinels: z.array(address).min(1, 'must list at least one sentinel').optional(),
  /** The master's name the sentinels monitor. */
  name: z.string().min(1).optional(),
  cluster: z.strictObject({ nodes: z.array(address).min(1, 'must list at least one node') }).optional(),
  username: z.string().min(1).optional(),
  password: secret.optional(),
  /** The sentinels' own password, when they have one. */
  sentinel_password: secret.optional(),
  db: int(0, 15).optional(),
  tls: flag.optional(),
  prefix: z
    .string()
    .regex(/^[\w.:{}-]+$/, 'may contain only letters, digits and _ . : - { }')
    .refine(
      (prefix) => !/[{}]/.test(prefix) || HASH_TAG.test(prefix),
      'must hold one {hash tag} when it has braces, e.g. {threadline}',
    )
    .default('threadline'),
  /** Ingress gives up on Redis after this long and answers 503 instead of hanging. */
  command_timeout_ms: int(50, 60_000).default(2_000),
});
type RedisBlock = z.infer<typeof RedisBlock>;

function endpointOf(block: RedisBlock): RedisEndpoint {
  const tls = block.tls ?? false;
  const credentials = {
    ...(block.username ? { username: block.username } : {}),
    ...(block.password ? { password: block.password } : {}),
  };
  if (block.cluster) return { mode: 'cluster', nodes: block.cluster.nodes, tls, ...credentials };
  const url = block.url ?? DEFAULT_REDIS_URL;
  const fromUrl = block.sentinels ? undefined : parseSentinelUrl(url);
  if (block.sentinels || fromUrl) {
    return {
      mode: 'sentinel',
      sentinels: fromUrl?.sentinels ?? block.sentinels!,
      name: fromUrl?.name ?? block.name!,
      db: fromUrl?.db ?? block.db ?? 0,
      tls: (fromUrl?.tls ?? false) || tls,
      ...credentials,
      ...(fromUrl?.username ? { username: fromUrl.username } : {}),
      ...(fromUrl?.password ? { password: fromUrl.password } : {}),
      ...(block.sentinel_password ? { sentinel_password: block.sentinel_password } : {}),
    };
  }
  // The URL's own credentials win; the keys fill in what it leaves out.
  return { mode: 'standalone', url, ...credentials, ...standaloneCredentials(url) };
}

/**
 * Every key Threadline writes starts with the prefix. On a Cluster the prefix must carry a hash
 * tag so all keys of all queues share one slot (BullMQ's scripts and our MULTIs span several
 * keys); a plain prefix is wrapped as `{prefix}` there. Elsewhere it is used as written.
 */
export function effectivePrefix(prefix: string, mode: RedisEndpoint['mode']): string {
  return mode === 'cluster' && !HASH_TAG.test(prefix) ? `{${prefix}}` : prefix;
}

export const RedisConfig = RedisBlock.superRefine((block, ctx) => {
  const forms = [
    block.url !== undefined && 'url',
    block.sentinels !== undefined && 'sentinels',
    block.cluster !== undefined && 'cluster',
  ].filter(Boolean);
  if (forms.length > 1)
    ctx.addIssue({ code: 'custom', path: [], message: `set only one of ${forms.join(', ')}` });
  if (block.sentinels && !block.name)
    ctx.addIssue({
      code: 'custom',
      path: ['name'],
      message: "is required with sentinels (the master's name)",
    });
  if (block.name && !block.sentinels)
    ctx.addIssue({ code: 'custom', path: ['name'], message: 'is only used with sentinels' });
  if (block.sentinel_password && !block.sentinels && !(block.url && parseSentinelUrl(block.url)))
    ctx.addIssue({ code: 'custom', path: ['sentinel_password'], message: 'is only used with Sentinel' });
  if (block.cluster && block.db !== undefined && block.db !== 0)
    ctx.addIssue({
      code: 'custom',
      path: ['db'],
      message: 'must be 0 on a Redis Cluster (it has only database 0)',
    });
  if (block.url && isStandaloneUrl(block.url) && (block.db !== undefined || block.tls !== undefined))
    ctx.addIssue({
      code: 'custom',
      path: [block.db !== undefined ? 'db' : 'tls'],
      message: 'goes in the URL for a single Redis (redis://host:port/<db>, rediss:// for TLS)',
    });
}).transform((block) => {
  const endpoint = endpointOf(block);
  return {
    /** As written (or from REDIS_URL); `endpoint` is what clients are built from. */
    url: block.url,
    prefix: effectivePrefix(block.prefix, endpoint.mode),
    command_timeout_ms: block.command_timeout_ms,
    endpoint,
  };
});
export type RedisSettings = z.output<typeof RedisConfig>;

/** Where Redis is, for messages: never a password. */
export function describeEndpoint(endpoint: RedisEndpoint): string {
  const list = (addresses: HostPort[]) =>
    addresses.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(',');
  switch (endpoint.mode) {
    case 'standalone': {
      const url = new URL(endpoint.url);
      url.username = '';
      url.password = '';
      return url.toString().replace(/\/$/, '');
    }
    case 'sentinel':
      return `Sentinel master "${endpoint.name}" via ${list(endpoint.sentinels)}`;
    case 'cluster':
      return `Redis Cluster via ${list(endpoint.nodes)}`;
  }
}
