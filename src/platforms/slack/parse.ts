import { z } from 'zod';
import type { ActionRequest, ChatUser, CommandRequest, MessageRef, ReplyTo } from '../../core/chat.js';

/*
 * Slack's inbound payloads, checked for the fields Threadline relies on and turned into neutral
 * requests. Bolt receives the original body; these schemas only decide whether it is well-formed
 * enough to act on (a malformed one is answered 400 before Bolt sees it).
 */

/** Team, channel, user and enterprise ids: letters and digits (T…, C…, U…, E…); kept short because they end up in Redis keys. */
const slackId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'is not a Slack id');
const ts = z.string().regex(/^\d{1,12}(\.\d{1,9})?$/, 'is not a Slack timestamp');

export const SlashCommandBody = z.object({
  command: z.string().regex(/^\/\S{1,32}$/, 'is not a slash command'),
  text: z.string().max(8_000).default(''),
  team_id: slackId,
  channel_id: slackId,
  user_id: slackId,
  user_name: z.string().max(200).optional(),
  response_url: z.string().max(2_000).optional(),
  trigger_id: z.string().min(1).max(200),
  enterprise_id: slackId.optional(),
});
export type SlashCommandBody = z.infer<typeof SlashCommandBody>;

const ActionElement = z.object({
  type: z.string(),
  action_id: z.string().min(1).max(255),
  value: z.string().max(2_000).optional(),
  action_ts: ts.optional(),
});

export const BlockActionsBody = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id: slackId,
    name: z.string().max(200).optional(),
    username: z.string().max(200).optional(),
    team_id: slackId.optional(),
  }),
  team: z.object({ id: slackId }).nullish(),
  enterprise: z.object({ id: slackId }).nullish(),
  channel: z.object({ id: slackId }).nullish(),
  container: z
    .object({
      type: z.string(),
      message_ts: ts.optional(),
      channel_id: slackId.optional(),
      thread_ts: ts.optional(),
      is_ephemeral: z.boolean().optional(),
    })
    .optional(),
  message: z.object({ ts, thread_ts: ts.optional() }).optional(),
  trigger_id: z.string().min(1).max(200),
  response_url: z.string().max(2_000).optional(),
  actions: z.array(ActionElement).min(1).max(25),
});
export type BlockActionsBody = z.infer<typeof BlockActionsBody>;

/** Interactions Threadline only acknowledges (modals, shortcuts, menus): just the envelope. */
const OtherInteraction = z.object({
  type: z.enum([
    'view_submission',
    'view_closed',
    'shortcut',
    'message_action',
    'block_suggestion',
    'interactive_message',
  ]),
  user: z.object({ id: slackId }).optional(),
});

export const AppMentionEvent = z.object({
  type: z.literal('app_mention'),
  user: slackId,
  text: z.string().max(40_000),
  ts,
  channel: slackId,
  thread_ts: ts.optional(),
});
export type AppMentionEvent = z.infer<typeof AppMentionEvent>;

export const EventCallbackBody = z.object({
  type: z.literal('event_callback'),
  team_id: slackId,
  event_id: z.string().min(1).max(100),
  event: z.looseObject({ type: z.string().min(1) }),
});
export type EventCallbackBody = z.infer<typeof EventCallbackBody>;

export type SlackInbound =
  | { kind: 'ssl_check' }
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'app_rate_limited' }
  /** Something Bolt dispatches; `body` is the original payload, already checked. */
  | { kind: 'dispatch'; body: Record<string, unknown> };

export class MalformedSlackRequest extends Error {}

/**
 * Slash command bodies this module has checked already (over HTTP, before Bolt), with the checked
 * value, so the listener does not validate the same body twice. Socket Mode bodies are not here.
 */
const checkedCommands = new WeakMap<object, SlashCommandBody>();

/** Parses a verified request body (form-encoded commands and interactions, JSON events). */
export function parseSlackRequest(contentType: string | undefined, raw: Buffer): SlackInbound {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseForm(raw.toString('utf8'));
  if (type === 'application/json') return parseJson(raw.toString('utf8'));
  throw new MalformedSlackRequest(`unsupported content type "${type}"`);
}

function parseForm(text: string): SlackInbound {
  const params = new URLSearchParams(text);
  if (params.get('ssl_check') === '1') return { kind: 'ssl_check' };
  const payload = params.get('payload');
  if (payload !== null) {
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      throw new MalformedSlackRequest('the "payload" field is not JSON');
    }
    if (!isRecord(body)) throw new MalformedSlackRequest('the "payload" field is not an object');
    if (body.type === 'block_actions') check(BlockActionsBody, body, 'block_actions payload');
    else check(OtherInteraction, body, 'interaction payload');
    return { kind: 'dispatch', body };
  }
  if (params.has('command')) {
    const body = Object.fromEntries(params);
    checkedCommands.set(body, check(SlashCommandBody, body, 'slash command'));
    return { kind: 'dispatch', body };
  }
  throw new MalformedSlackRequest('neither a slash command nor an interaction payload');
}

function parseJson(text: string): SlackInbound {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MalformedSlackRequest('the body is not JSON');
  }
  if (!isRecord(body)) throw new MalformedSlackRequest('the body is not a JSON object');
  if (body.type === 'url_verification') {
    if (typeof body.challenge !== 'string' || body.challenge.length > 1_000)
      throw new MalformedSlackRequest('url_verification without a challenge');
    return { kind: 'url_verification', challenge: body.challenge };
  }
  if (body.type === 'app_rate_limited') return { kind: 'app_rate_limited' };
  if (body.type === 'event_callback') {
    check(EventCallbackBody, body, 'event_callback');
    return { kind: 'dispatch', body };
  }
  throw new MalformedSlackRequest(`unsupported body type "${String(body.type).slice(0, 40)}"`);
}

function check<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(body)';
  throw new MalformedSlackRequest(`${what}: ${where} ${issue.message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function user(id: string, name?: string): ChatUser {
  return name ? { platform: 'slack', id, name } : { platform: 'slack', id };
}

export function commandRequest(raw: unknown): CommandRequest {
  const body = (isRecord(raw) && checkedCommands.get(raw)) || SlashCommandBody.parse(raw);
  return {
    id: `${body.team_id}.${body.trigger_id}`,
    text: body.text,
    replyTo: {
      platform: 'slack',
      workspace: body.team_id,
      conversation: body.channel_id,
      user: user(body.user_id, body.user_name),
      responseToken: body.response_url,
    },
  };
}

/** Buttons whose card action id repeats in one message carry a `#n` suffix (Slack wants unique ids). */
export function cardActionId(actionId: string): string {
  return actionId.replace(/#\d+$/, '');
}

export function actionRequest(raw: unknown): ActionRequest {
  const body = BlockActionsBody.parse(raw);
  const action = body.actions[0]!;
  const workspace = body.team?.id ?? body.user.team_id ?? body.enterprise?.id ?? 'unknown';
  const conversation = body.channel?.id ?? body.container?.channel_id;
  if (!conversation) throw new MalformedSlackRequest('block_actions payload without a channel');
  const messageTs = body.container?.message_ts ?? body.message?.ts;
  const replyTo: ReplyTo = {
    platform: 'slack',
    workspace,
    conversation,
    user: user(body.user.id, body.user.username ?? body.user.name),
    responseToken: body.response_url,
  };
  const message: MessageRef | undefined = messageTs
    ? {
        platform: 'slack',
        workspace,
        conversation,
        id: messageTs,
        thread: body.message?.thread_ts ?? body.container?.thread_ts,
      }
    : undefined;
  return {
    id: `${workspace}.${body.trigger_id}.${action.action_id}`,
    actionId: cardActionId(action.action_id),
    value: action.value ?? '',
    replyTo,
    message,
  };
}

/** `@Threadline page payments "…"` works like `/ops page payments "…"`, answered in the thread. */
export function mentionRequest(body: EventCallbackBody): CommandRequest | undefined {
  const parsed = AppMentionEvent.safeParse(body.event);
  if (!parsed.success) return undefined;
  const event = parsed.data;
  const text = event.text.replace(/^(\s*<@[A-Z0-9]+(\|[^>]*)?>)+/, '').trim();
  return {
    id: body.event_id,
    text,
    replyTo: {
      platform: 'slack',
      workspace: body.team_id,
      conversation: event.channel,
      thread: event.thread_ts ?? event.ts,
      user: user(event.user),
    },
  };
}
