import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Connector } from '../../src/connectors/connector.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import {
  AuthError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  ValidationError,
} from '../../src/core/errors.js';
import { HttpClient } from '../../src/net/http-client.js';
import { CONNECTOR_THROTTLED_BODY, FakeTeamsWebhook } from '../fakes/teams-webhook.js';
import { stored } from './support.js';

const ZWSP = '\u200B';
const http = new HttpClient({ allowPrivateNetworks: true });
let teams: FakeTeamsWebhook;

beforeAll(async () => {
  teams = await FakeTeamsWebhook.start();
});
afterEach(() => {
  teams.requests.length = 0;
});
afterAll(async () => {
  await teams.close();
  await http.close();
});

const context = { deliveryId: 'dlv-1', attempt: 1 };

async function connector(options: { adaptive?: boolean; url?: string } = {}): Promise<Connector> {
  const { config } = parseConfigText(
    `
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
integrations:
  teams:
    enabled: true
    webhook_url: "${options.url ?? teams.webhookUrl}"
    notify_on: [implementation_started, implementation_completed, implementation_failed]
    use_adaptive_cards: ${options.adaptive ?? true}
`,
    {},
  );
  const found = (await ConnectorRegistry.fromConfig(config, { http })).get('teams');
  if (!found) throw new Error('teams connector not built');
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const spec = {
  id: 'FEAT-0001',
  title: 'User Authentication',
  url: 'https://github.com/acme/app/blob/main/FEAT-0001.md',
};
const started = stored({ event: 'implementation_started', spec, branch: 'spec/feat-0001' });
const completed = stored({
  event: 'implementation_completed',
  spec,
  pr: { number: 42, url: 'https://github.com/acme/app/pull/42' },
  review_requested: ['@team'],
});
const failed = stored({
  event: 'implementation_failed',
  spec: { id: 'FEAT-0001', title: 'User Authentication' },
  error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
});

type Json = Record<string, unknown>;

/**
 * The Adaptive Cards 1.5 schema for the parts we use: every object is closed (the schema
 * says additionalProperties: false), enums are the schema's enums.
 */
const ELEMENT_PROPS: Record<string, readonly string[]> = {
  TextBlock: [
    'type',
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
    'separator',
    'spacing',
    'id',
    'isVisible',
  ],
  FactSet: ['type', 'facts', 'separator', 'spacing', 'id', 'isVisible'],
};
const COLORS = ['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention'];
const SIZES = ['default', 'small', 'medium', 'large', 'extralarge'];
const WEIGHTS = ['default', 'lighter', 'bolder'];
const SPACINGS = ['none', 'small', 'default', 'medium', 'large', 'extralarge', 'padding'];

function adaptiveCardProblems(card: Json): string[] {
  const problems: string[] = [];
  const closed = (where: string, value: Json, allowed: readonly string[]) => {
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) problems.push(`${where}: unknown property ${key}`);
  };
  const oneOf = (where: string, value: unknown, allowed: readonly string[]) => {
    if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value.toLowerCase()))) {
      problems.push(`${where}: ${String(value)} is not one of ${allowed.join(', ')}`);
    }
  };
  closed('card', card, [
    'type',
    'version',
    'body',
    'actions',
    '$schema',
    'fallbackText',
    'speak',
    'lang',
    'minHeight',
    'rtl',
  ]);
  if (card.type !== 'AdaptiveCard') problems.push('card: type must be AdaptiveCard');
  if (card.version !== '1.5') problems.push('card: version must be 1.5');
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('card: $schema');
  const body = (card.body ?? []) as Json[];
  if (!Array.isArray(body)) problems.push('card: body must be an array');
  body.forEach((element, i) => {
    const where = `body[${i}]`;
    const props = ELEMENT_PROPS[String(element.type)];
    if (!props) {
      problems.push(`${where}: unexpected element type ${String(element.type)}`);
      return;
    }
    closed(where, element, props);
    oneOf(`${where}.spacing`, element.spacing, SPACINGS);
    if (element.type === 'TextBlock') {
      if (typeof element.text !== 'string') problems.push(`${where}: text is required`);
      oneOf(`${where}.color`, element.color, COLORS);
      oneOf(`${where}.size`, element.size, SIZES);
      oneOf(`${where}.weight`, element.weight, WEIGHTS);
      oneOf(`${where}.style`, element.style, ['default', 'heading']);
      if (element.wrap !== undefined && typeof element.wrap !== 'boolean')
        problems.push(`${where}: wrap must be boolean`);
    }
    if (element.type === 'FactSet') {
      const facts = element.facts as Json[];
      if (!Array.isArray(facts) || facts.length === 0) problems.push(`${where}: facts are required`);
      for (const fact of facts ?? []) {
        closed(`${where}.fact`, fact, ['title', 'value']);
        if (typeof fact.title !== 'string' || typeof fact.value !== 'string')
          problems.push(`${where}: fact strings`);
      }
    }
  });
  const actions = (card.actions ?? []) as Json[];
  actions.forEach((action, i) => {
    const where = `actions[${i}]`;
    if (action.type !== 'Action.OpenUrl') {
      problems.push(`${where}: unexpected action type ${String(action.type)}`);
      return;
    }
    closed(where, action, ['type', 'url', 'title', 'iconUrl', 'id', 'style', 'tooltip', 'isEnabled', 'mode']);
    if (typeof action.url !== 'string' || !/^https?:\/\//.test(action.url)) problems.push(`${where}: url`);
  });
  return problems;
}

interface TeamsMessageJson {
  type: string;
  attachments: Array<{ contentType: string; content: Json }>;
}

function cardOf(json: unknown): Json {
  const message = json as TeamsMessageJson;
  expect(message.type).toBe('message');
  expect(message.attachments).toHaveLength(1);
  expect(message.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return message.attachments[0]?.content ?? {};
}

describe('Teams connector with Adaptive Cards', () => {
  it('posts a valid Adaptive Card 1.5 for every kind of event', async () => {
    const c = await connector();
    for (const event of [started, completed, failed]) await c.deliver(event, context);
    expect(teams.requests).toHaveLength(3);
    for (const request of teams.requests) expect(adaptiveCardProblems(cardOf(request.json))).toEqual([]);
  });

  it('colours the header by outcome', async () => {
    const c = await connector();
    const colours: unknown[] = [];
    for (const event of [started, completed, failed, stored({ event: 'cost_threshold_exceeded' })]) {
      await c.deliver(event, context);
      colours.push(((cardOf(teams.last().json).body as Json[])[0] as Json).color);
    }
    expect(colours).toEqual(['accent', 'good', 'attention', 'warning']);
  });

  it('shows the guide’s fields as facts and the links as View PR / View Spec buttons', async () => {
    await (await connector()).deliver(completed, context);
    const card = cardOf(teams.last().json);
    const body = card.body as Json[];
    expect(body[0]).toMatchObject({
      type: 'TextBlock',
      text: '✅ Spec Implementation Completed',
      weight: 'Bolder',
    });
    expect(body[1]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'ID', value: 'FEAT-0001' },
        { title: 'Title', value: 'User Authentication' },
        { title: 'PR', value: '#42' },
        { title: 'Review requested from', value: '@team' },
      ],
    });
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'View PR', url: 'https://github.com/acme/app/pull/42' },
      {
        type: 'Action.OpenUrl',
        title: 'View Spec',
        url: 'https://github.com/acme/app/blob/main/FEAT-0001.md',
      },
    ]);
  });

  it('shows the error as text and the logs as a button on failures', async () => {
    await (await connector()).deliver(failed, context);
    const card = cardOf(teams.last().json);
    const texts = (card.body as Json[]).filter((b) => b.type === 'TextBlock').map((b) => b.text);
    expect(texts).toContain('**Error**');
    expect(texts).toContain('Schema validation failed');
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Logs', url: 'https://ci.example.com/runs/7' },
    ]);
  });

  it('never lets event text form a link, a mention or markup in the card', async () => {
    const attack = stored({
      event: 'implementation_failed',
      spec: { id: 'FEAT-1', title: '[click](http://evil.example) <at>Everyone</at> **bold**' },
      error: '<a href="http://evil.example">x</a>',
    });
    await (await connector()).deliver(attack, context);
    const raw = JSON.stringify(cardOf(teams.last().json));
    expect(raw).not.toMatch(/(?<!\\\\)\[click(?<!\\\\)\]/);
    expect(raw).toContain('\\\\[click\\\\]\\\\(http://evil.example\\\\)');
    expect(raw).not.toContain('<at>');
    expect(raw).toContain(`<${ZWSP}at>`);
    expect(raw).not.toContain('<a href');
    expect(raw).toContain('\\\\*\\\\*bold\\\\*\\\\*');
  });

  it('keeps huge values inside the card visibly cut', async () => {
    const huge = stored({
      event: 'implementation_failed',
      spec: { id: 'FEAT-1', title: '*'.repeat(1000) },
      error: 'E'.repeat(10_000),
    });
    await (await connector()).deliver(huge, context);
    const card = cardOf(teams.last().json);
    const facts = ((card.body as Json[])[1] as { facts: Array<{ value: string }> }).facts;
    expect(facts[1]?.value.length).toBeLessThanOrEqual(1000);
    expect(facts[1]?.value.endsWith('…')).toBe(true);
    expect(teams.last().raw.length).toBeLessThan(28_000);
  });

  it('sends a digest as one valid card', async () => {
    await (await connector()).deliverDigest?.([started, failed], context);
    expect(teams.requests).toHaveLength(1);
    const card = cardOf(teams.last().json);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const texts = (card.body as Json[]).map((b) => b.text);
    expect(texts[0]).toBe('📨 2 notifications held by the rate limit');
    expect(texts).toContain(
      '🚀 Spec Implementation Started: FEAT-0001\n❌ Spec Implementation Failed: FEAT-0001',
    );
  });
});

describe('Teams connector with plain messages', () => {
  it('posts the guide’s bullet lines as escaped markdown text', async () => {
    await (await connector({ adaptive: false })).deliver(failed, context);
    expect(teams.last().json).toEqual({
      text:
        '❌ Spec Implementation Failed\n\n• ID: FEAT-0001\n\n• Title: User Authentication\n\n' +
        '• Error: Schema validation failed\n\n• Logs: [View Details](https://ci.example.com/runs/7)',
    });
  });

  it('never lets event text form a masked link or a mention', async () => {
    const attack = stored({
      event: 'implementation_started',
      spec: { id: 'X', title: '[click](http://evil.example) <at>all</at>' },
    });
    await (await connector({ adaptive: false })).deliver(attack, context);
    const text = (teams.last().json as { text: string }).text;
    expect(text).toContain('\\[click\\]\\(http://evil.example\\)');
    expect(text).not.toContain('<at>');
  });
});

describe('Teams connector errors', () => {
  it('treats 200 and 202 answers as delivered', async () => {
    const legacy = await FakeTeamsWebhook.start({ flavour: 'connector' });
    try {
      await expect(
        (await connector({ url: legacy.webhookUrl })).deliver(started, context),
      ).resolves.toMatchObject({
        summary: 'posted to Teams via webhook (200)',
      });
    } finally {
      await legacy.close();
    }
    await expect((await connector()).deliver(started, context)).resolves.toMatchObject({
      summary: 'posted to Teams via webhook (202)',
    });
  });

  it('reads throttling hidden in a 200 body as a rate limit', async () => {
    teams.reply({ status: 200, body: CONNECTOR_THROTTLED_BODY });
    const error = await rejection((await connector()).deliver(started, context));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
  });

  it('maps HTTP statuses to error kinds', async () => {
    const c = await connector();
    teams.reply({ status: 429, headers: { 'retry-after': '9' } });
    const limited = await rejection(c.deliver(started, context));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(9_000);
    teams.reply({ status: 400, body: 'Bad payload received by generic incoming webhook.' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(ValidationError);
    teams.reply({ status: 401, body: 'DirectApiAuthorizationRequired' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(AuthError);
    teams.reply({ status: 404, body: 'WorkflowNotFound' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(NotFoundError);
    teams.reply({ status: 500, body: 'oops' });
    expect(await rejection(c.deliver(started, context))).toBeInstanceOf(TransientError);
  });

  it('never puts the webhook URL into errors or receipts', async () => {
    const c = await connector();
    const said = [(await c.deliver(started, context)).summary];
    teams.reply({ status: 400, body: `bad request for ${teams.webhookUrl}` });
    said.push((await rejection(c.deliver(started, context))).message);
    teams.reply({ status: 200, body: CONNECTOR_THROTTLED_BODY });
    said.push((await rejection(c.deliver(started, context))).message);
    const secret = new URL(teams.webhookUrl).pathname;
    for (const text of said) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('t3amsS3cr3tHookId');
    }
  });

  it('reports its configuration in check() without sending anything', async () => {
    await expect((await connector()).check()).resolves.toEqual({
      ok: true,
      detail: 'webhook configured (Adaptive Cards); 3 event(s)',
    });
    expect(teams.requests).toHaveLength(0);
  });
});
