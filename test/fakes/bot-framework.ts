import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { closeLoopback, listenLoopback } from './loopback.js';

/**
 * A loopback Bot Framework: the channel's OpenID metadata and signing keys (so botbuilder can
 * verify the tokens this fake signs), the AAD token endpoint a bot uses for client credentials,
 * and the Bot Connector API (`{serviceUrl}/v3/conversations/{id}/activities[/{activityId}]`),
 * which records every activity and keeps the latest version of each message.
 */

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export interface ConnectorCall {
  method: string;
  kind: 'send' | 'reply' | 'update';
  /** Decoded, e.g. `19:abc@thread.tacv2;messageid=1700000000001`. */
  conversationId: string;
  /** The activity replied to (reply) or replaced (update). */
  activityId?: string;
  /** The id the connector answered with. */
  id: string;
  activity: Record<string, unknown>;
  authorization?: string;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SignOptions {
  audience?: string;
  issuer?: string;
  /** Sign with a key the metadata does not publish, under the published key id. */
  wrongKey?: boolean;
  expiresInSeconds?: number;
  serviceUrl?: string;
}

interface TokenRequest {
  path: string;
  form: Record<string, string>;
}

export class FakeBotFramework {
  readonly calls: ConnectorCall[] = [];
  readonly tokenRequests: TokenRequest[] = [];
  /** Every request to the connector API, answered or refused, with the time it arrived. */
  readonly attempts: Array<{ method: string; path: string; at: number }> = [];
  /** Activities refused because they break the Bot Framework or Adaptive Card 1.5 shapes. */
  readonly rejected: Array<{ activity: Record<string, unknown>; problems: string[] }> = [];
  /** Latest version of every message the connector holds, by activity id. */
  readonly messages = new Map<string, { conversationId: string; activity: Record<string, unknown> }>();
  private readonly scripted: ScriptedReply[] = [];
  private readonly issuedTokens = new Set<string>();
  private nextId = 1_700_000_000_000;
  private readonly kid = randomBytes(8).toString('hex');
  private readonly key: KeyObject;
  private readonly otherKey: KeyObject;
  private readonly jwk: { kty: string; n: string; e: string };

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: { appId?: string; appPassword?: string },
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.key = pair.privateKey;
    this.jwk = pair.publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
    this.otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }

  /** Without an app id the connector takes unauthenticated calls, like the Bot Framework Emulator. */
  static async start(options: { appId?: string; appPassword?: string } = {}): Promise<FakeBotFramework> {
    let fake: FakeBotFramework | undefined;
    const { server, baseUrl } = await listenLoopback((r, res) =>
      fake?.handle(r.method, r.url, r.headers, r.raw, res),
    );
    fake = new FakeBotFramework(server, baseUrl, options);
    return fake;
  }

  get openIdMetadataUrl(): string {
    return `${this.baseUrl}/v1/.well-known/openidconfiguration`;
  }

  /** The AAD authority host; tokens are at `{loginUrl}/{tenant}/oauth2/v2.0/token`. */
  get loginUrl(): string {
    return this.baseUrl;
  }

  /** Shaped like Teams' regional service URLs, trailing slash included. */
  get serviceUrl(): string {
    return `${this.baseUrl}/amer/`;
  }

  /** The next connector calls answer these instead of succeeding. */
  reply(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  /** A channel token for an activity, as the Bot Framework sends it in `Authorization`. */
  authorization(activity: { serviceUrl?: string }, options: SignOptions = {}): string {
    return `Bearer ${this.sign({ serviceUrl: activity.serviceUrl, ...options })}`;
  }

  sign(options: SignOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.kid, x5t: this.kid };
    const payload = {
      serviceurl: options.serviceUrl ?? this.serviceUrl,
      nbf: now - 5,
      exp: now + (options.expiresInSeconds ?? 3600),
      iss: options.issuer ?? BOT_FRAMEWORK_ISSUER,
      aud: options.audience ?? this.options.appId,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign('RSA-SHA256', Buffer.from(input), options.wrongKey ? this.otherKey : this.key);
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Connector calls of one kind, optionally into one conversation. */
  sent(kind?: ConnectorCall['kind'], conversationId?: string): ConnectorCall[] {
    return this.calls.filter(
      (c) => (!kind || c.kind === kind) && (!conversationId || c.conversationId === conversationId),
    );
  }

  async close(): Promise<void> {
    await closeLoopback(this.server);
  }

  private handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    raw: string,
    res: ServerResponse,
  ): void {
    const path = new URL(url, this.baseUrl).pathname;
    if (method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
      json(res, 200, {
        issuer: BOT_FRAMEWORK_ISSUER,
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${this.baseUrl}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
      return;
    }
    if (method === 'GET' && path === '/v1/.well-known/keys') {
      json(res, 200, {
        keys: [
          {
            kty: 'RSA',
            use: 'sig',
            kid: this.kid,
            x5t: this.kid,
            n: this.jwk.n,
            e: this.jwk.e,
            endorsements: ['msteams', 'webchat', 'emulator'],
          },
        ],
      });
      return;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (method === 'POST' && token) {
      this.token(path, raw, res);
      return;
    }
    const connector = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    if (connector && (method === 'POST' || method === 'PUT')) {
      this.connector(method, connector[1]!, connector[2], headers, raw, res);
      return;
    }
    json(res, 404, { error: { code: 'NotFound', message: `no route for ${method} ${path}` } });
  }

  private token(path: string, raw: string, res: ServerResponse): void {
    const form = Object.fromEntries(new URLSearchParams(raw));
    this.tokenRequests.push({ path, form });
    if (form.client_id !== this.options.appId || form.client_secret !== this.options.appPassword) {
      json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
      return;
    }
    if (form.grant_type !== 'client_credentials' || form.scope !== `${BOT_FRAMEWORK_ISSUER}/.default`) {
      json(res, 400, { error: 'invalid_request', error_description: 'AADSTS900144: bad request' });
      return;
    }
    const accessToken = `fake-access-${randomBytes(12).toString('hex')}`;
    this.issuedTokens.add(accessToken);
    json(res, 200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: accessToken,
    });
  }

  private connector(
    method: string,
    encodedConversation: string,
    encodedActivity: string | undefined,
    headers: IncomingHttpHeaders,
    raw: string,
    res: ServerResponse,
  ): void {
    const authorization = headers.authorization;
    this.attempts.push({ method, path: `${encodedConversation}/${encodedActivity ?? ''}`, at: Date.now() });
    if (this.options.appId) {
      const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
      if (!bearer || !this.issuedTokens.has(bearer)) {
        json(res, 401, { error: { code: 'Unauthorized', message: 'Authorization has been denied' } });
        return;
      }
    }
    const scripted = this.scripted.shift();
    if (scripted) {
      json(res, scripted.status, scripted.body ?? {}, scripted.headers);
      return;
    }
    const conversationId = decodeURIComponent(encodedConversation);
    const activityId = encodedActivity ? decodeURIComponent(encodedActivity) : undefined;
    const activity = JSON.parse(raw) as Record<string, unknown>;
    const problems = activityProblems(activity);
    if (problems.length > 0) {
      this.rejected.push({ activity, problems });
      json(res, 400, { error: { code: 'BadArgument', message: problems.join('; ') } });
      return;
    }
    if (method === 'PUT') {
      if (!activityId || !this.messages.has(activityId)) {
        json(res, 404, {
          error: { code: 'ActivityNotFoundInConversation', message: 'Unknown activity' },
        });
        return;
      }
      this.messages.set(activityId, { conversationId, activity });
      this.calls.push({
        method,
        kind: 'update',
        conversationId,
        activityId,
        id: activityId,
        activity,
        authorization,
      });
      json(res, 200, { id: activityId });
      return;
    }
    const id = String(this.nextId++);
    this.messages.set(id, { conversationId, activity });
    this.calls.push({
      method,
      kind: activityId ? 'reply' : 'send',
      conversationId,
      activityId,
      id,
      activity,
      authorization,
    });
    json(res, 201, { id });
  }
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

type Json = Record<string, unknown>;

/*
 * Shapes from the Bot Connector API (botframework-channel.json) and the Adaptive Cards 1.5
 * schema, for the parts Threadline sends. Every Adaptive Card object is closed there
 * (additionalProperties: false); the property lists and enums below are copied from it.
 */
const ACTIVITY_PROPS = [
  'type',
  'id',
  'timestamp',
  'localTimestamp',
  'localTimezone',
  'callerId',
  'serviceUrl',
  'channelId',
  'from',
  'conversation',
  'recipient',
  'textFormat',
  'attachmentLayout',
  'membersAdded',
  'membersRemoved',
  'reactionsAdded',
  'reactionsRemoved',
  'topicName',
  'historyDisclosed',
  'locale',
  'text',
  'speak',
  'inputHint',
  'summary',
  'suggestedActions',
  'attachments',
  'entities',
  'channelData',
  'action',
  'replyToId',
  'label',
  'valueType',
  'value',
  'name',
  'relatesTo',
  'code',
  'expiration',
  'importance',
  'deliveryMode',
  'listenFor',
  'textHighlights',
  'semanticAction',
];
const ATTACHMENT_PROPS = ['contentType', 'contentUrl', 'content', 'name', 'thumbnailUrl'];
const CARD_PROPS = [
  'type',
  'version',
  'refresh',
  'authentication',
  'body',
  'actions',
  'selectAction',
  'fallbackText',
  'backgroundImage',
  'minHeight',
  'rtl',
  'speak',
  'lang',
  'verticalContentAlignment',
  '$schema',
];
const ELEMENT_COMMON = ['type', 'fallback', 'height', 'separator', 'spacing', 'id', 'isVisible', 'requires'];
const ELEMENT_PROPS: Record<string, readonly string[]> = {
  TextBlock: [
    ...ELEMENT_COMMON,
    'text',
    'color',
    'fontType',
    'horizontalAlignment',
    'isSubtle',
    'maxLines',
    'size',
    'weight',
    'wrap',
    'style',
  ],
  FactSet: [...ELEMENT_COMMON, 'facts'],
};
const ACTION_COMMON = [
  'type',
  'title',
  'iconUrl',
  'id',
  'style',
  'fallback',
  'tooltip',
  'isEnabled',
  'mode',
  'requires',
];
const ACTION_PROPS: Record<string, readonly string[]> = {
  'Action.Execute': [...ACTION_COMMON, 'verb', 'data', 'associatedInputs'],
  'Action.Submit': [...ACTION_COMMON, 'data', 'associatedInputs'],
  'Action.ShowCard': [...ACTION_COMMON, 'card'],
  'Action.OpenUrl': [...ACTION_COMMON, 'url'],
};
const COLORS = ['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention'];
const SIZES = ['default', 'small', 'medium', 'large', 'extralarge'];
const WEIGHTS = ['default', 'lighter', 'bolder'];
const SPACINGS = ['default', 'none', 'small', 'medium', 'large', 'extralarge', 'padding'];
const ACTION_STYLES = ['default', 'positive', 'destructive'];

export function activityProblems(activity: Json): string[] {
  const problems: string[] = [];
  closed(problems, 'activity', activity, ACTIVITY_PROPS);
  if (activity.type !== 'message') problems.push('activity: type must be message');
  if (
    activity.textFormat !== undefined &&
    !['markdown', 'plain', 'xml'].includes(String(activity.textFormat))
  )
    problems.push('activity: textFormat');
  for (const [i, attachment] of ((activity.attachments ?? []) as Json[]).entries()) {
    closed(problems, `attachments[${i}]`, attachment, ATTACHMENT_PROPS);
    if (attachment.contentType === 'application/vnd.microsoft.card.adaptive')
      problems.push(...adaptiveCardProblems(attachment.content as Json).map((p) => `attachments[${i}].${p}`));
  }
  for (const [i, entity] of ((activity.entities ?? []) as Json[]).entries()) {
    if (entity.type !== 'mention') continue;
    closed(problems, `entities[${i}]`, entity, ['mentioned', 'text', 'type']);
    const mentioned = entity.mentioned as Json | undefined;
    if (!mentioned || typeof mentioned.id !== 'string')
      problems.push(`entities[${i}]: mentioned.id is required`);
    if (typeof entity.text !== 'string' || !String(activity.text ?? '').includes(entity.text))
      problems.push(`entities[${i}]: the mention text must appear in the activity text`);
  }
  return problems;
}

/** The Adaptive Cards 1.5 rules for the elements and actions Threadline uses. */
export function adaptiveCardProblems(card: Json, nested = false): string[] {
  const problems: string[] = [];
  closed(problems, 'card', card, CARD_PROPS);
  if (card.type !== 'AdaptiveCard') problems.push('card: type must be AdaptiveCard');
  if (!nested) {
    if (card.version !== '1.5') problems.push('card: version must be 1.5');
    if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('card: $schema');
  }
  const body = card.body as Json[] | undefined;
  if (body !== undefined && !Array.isArray(body)) problems.push('card: body must be an array');
  for (const [i, element] of (body ?? []).entries()) {
    const where = `body[${i}]`;
    const props = ELEMENT_PROPS[String(element.type)];
    if (!props) {
      problems.push(`${where}: unexpected element type ${String(element.type)}`);
      continue;
    }
    closed(problems, where, element, props);
    oneOf(problems, `${where}.spacing`, element.spacing, SPACINGS);
    if (element.type === 'TextBlock') {
      if (typeof element.text !== 'string') problems.push(`${where}: text is required`);
      oneOf(problems, `${where}.color`, element.color, COLORS);
      oneOf(problems, `${where}.size`, element.size, SIZES);
      oneOf(problems, `${where}.weight`, element.weight, WEIGHTS);
      oneOf(problems, `${where}.style`, element.style, ['default', 'heading']);
      if (element.wrap !== undefined && typeof element.wrap !== 'boolean') problems.push(`${where}: wrap`);
    } else {
      const facts = element.facts as Json[] | undefined;
      if (!Array.isArray(facts) || facts.length === 0) problems.push(`${where}: facts are required`);
      for (const fact of facts ?? []) {
        closed(problems, `${where}.fact`, fact, ['type', 'title', 'value']);
        if (typeof fact.title !== 'string' || typeof fact.value !== 'string')
          problems.push(`${where}: fact strings`);
      }
    }
  }
  const actions = card.actions as Json[] | undefined;
  if (actions !== undefined && !Array.isArray(actions)) problems.push('card: actions must be an array');
  for (const [i, action] of (actions ?? []).entries())
    problems.push(...actionProblems(`actions[${i}]`, action));
  return problems;
}

function actionProblems(where: string, action: Json): string[] {
  const problems: string[] = [];
  const props = ACTION_PROPS[String(action.type)];
  if (!props) return [`${where}: unexpected action type ${String(action.type)}`];
  closed(problems, where, action, props);
  oneOf(problems, `${where}.style`, action.style, ACTION_STYLES);
  if (action.title !== undefined && typeof action.title !== 'string')
    problems.push(`${where}: title must be a string`);
  const data = action.data;
  if (
    data !== undefined &&
    typeof data !== 'string' &&
    (typeof data !== 'object' || data === null || Array.isArray(data))
  )
    problems.push(`${where}: data must be a string or an object`);
  if (action.type === 'Action.Execute' && typeof action.verb !== 'string')
    problems.push(`${where}: verb must be a string`);
  if (
    action.type === 'Action.OpenUrl' &&
    (typeof action.url !== 'string' || !/^https?:\/\//.test(action.url))
  )
    problems.push(`${where}: url`);
  if (action.type === 'Action.ShowCard') {
    problems.push(...adaptiveCardProblems(action.card as Json, true).map((p) => `${where}.${p}`));
  }
  if (action.fallback !== undefined && action.fallback !== 'drop') {
    problems.push(...actionProblems(`${where}.fallback`, action.fallback as Json));
  }
  return problems;
}

function closed(problems: string[], where: string, value: Json, allowed: readonly string[]): void {
  if (!value || typeof value !== 'object') {
    problems.push(`${where}: must be an object`);
    return;
  }
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) problems.push(`${where}: unknown property ${key}`);
}

function oneOf(problems: string[], where: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value.toLowerCase())))
    problems.push(`${where}: ${String(value)} is not one of ${allowed.join(', ')}`);
}
