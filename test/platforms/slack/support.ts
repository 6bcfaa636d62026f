import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { slackSignature } from '../../../src/platforms/slack/verify.js';
import type { FakeSlack } from '../../fakes/slack-api.js';

// biome-ignore lint/suspicious/noExplicitAny: fixtures and answers are JSON the tests pick apart freely
export type Json = any;

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5-test';
export const TEAM = 'T0THREAD';
export const CHANNEL = 'C0ENGINEER';
export const RESPONDER = 'U123';
export const STRANGER = 'U999';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/slack/${name}`, import.meta.url), 'utf8');

/** The `platforms:` and `rbac:` blocks that turn Slack on against a fake. */
export function slackYaml(slack: FakeSlack, extra = ''): string {
  return `
platforms:
  slack:
    enabled: true
    api_url: "${slack.apiUrl}"
    bot_token: "${slack.token}"
    signing_secret: "${SIGNING_SECRET}"
${extra}
rbac:
  roles:
    responder: ["slack:${RESPONDER}"]
`;
}

let triggers = 0;
/** Slack's trigger ids are unique per invocation; so are ours. */
export function triggerId(): string {
  triggers += 1;
  return `${Date.now()}.${process.pid}.${triggers.toString(16).padStart(8, '0')}`;
}

/** Slack's documented slash command body, with our workspace, channel, user and text. */
export function slashForm(text: string, overrides: Record<string, string> = {}): string {
  const params = new URLSearchParams(fixture('slash-command.form'));
  const values: Record<string, string> = {
    team_id: TEAM,
    channel_id: CHANNEL,
    user_id: RESPONDER,
    user_name: 'alice',
    command: '/ops',
    text,
    trigger_id: triggerId(),
    ...overrides,
  };
  for (const [key, value] of Object.entries(values)) params.set(key, value);
  params.delete('enterprise_id');
  params.delete('enterprise_name');
  return params.toString();
}

/** Slack's documented block_actions payload for one button press on one of our messages. */
export function blockActionsPayload(options: {
  actionId: string;
  value: string;
  messageTs: string;
  user?: string;
  channel?: string;
  responseUrl?: string;
  threadTs?: string;
}): Record<string, unknown> {
  const payload = JSON.parse(fixture('block-actions.json')) as Record<string, Json>;
  const channel = options.channel ?? CHANNEL;
  const user = options.user ?? RESPONDER;
  payload.team = { id: TEAM, domain: 'threadline' };
  payload.user = { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM };
  payload.channel = { id: channel, name: 'engineering' };
  payload.container = { ...payload.container, channel_id: channel, message_ts: options.messageTs };
  payload.message = {
    ...payload.message,
    ts: options.messageTs,
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
  };
  payload.trigger_id = triggerId();
  if (options.responseUrl) payload.response_url = options.responseUrl;
  else delete payload.response_url;
  payload.actions = [
    {
      ...payload.actions[0],
      action_id: options.actionId,
      block_id: 'tl.actions.0',
      value: options.value,
      action_ts: `${Math.floor(Date.now() / 1000)}.${String(triggers).padStart(6, '0')}`,
    },
  ];
  return payload;
}

export function interactionForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function fixtureJson(name: string): Record<string, Json> {
  return JSON.parse(fixture(name)) as Record<string, Json>;
}

export interface SlackResponse {
  status: number;
  text: string;
  json: Json;
  ms: number;
}

/** POSTs to /slack/events signed the way Slack signs (v0, HMAC-SHA256 over `v0:{ts}:{body}`). */
export async function postSlack(
  baseUrl: string,
  body: string,
  options: {
    contentType?: string;
    timestamp?: number;
    secret?: string;
    signature?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const response = await request(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature':
        options.signature ?? slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
      ...options.headers,
    },
    body,
  });
  const text = await response.body.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, text, json, ms };
}

/** All text a Block Kit message shows (header, sections, fields, context, buttons). */
export function shownText(message: { text?: string; blocks?: unknown[] } | undefined): string {
  if (!message) return '';
  const parts: string[] = [message.text ?? ''];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (typeof object.text === 'string') parts.push(object.text);
      for (const [key, child] of Object.entries(object))
        if (key !== 'text' || typeof child !== 'string') walk(child);
    }
  };
  walk(message.blocks ?? []);
  // What Slack shows: mrkdwn's three escapes undone.
  return parts.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function buttons(message: { blocks?: unknown[] } | undefined): Array<Record<string, Json>> {
  const blocks = (message?.blocks ?? []) as Array<Record<string, Json>>;
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Array<Record<string, Json>>);
}
