import { z } from 'zod';
import type { ChatUser, MessageRef, ReplyTo } from '../../core/chat.js';
import { TEAMS_CHAT_LIMITS } from './limits.js';
import type { TeamsConversationReference } from './references.js';

/*
 * Bot Framework activities as Teams sends them, reduced to the fields Threadline reads. Teams
 * sends `null` for absent values in places, so optional fields are nullish.
 */
const Account = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  aadObjectId: z.string().nullish(),
});

const Conversation = z.looseObject({
  id: z.string().min(1),
  tenantId: z.string().nullish(),
  conversationType: z.string().nullish(),
  isGroup: z.boolean().nullish(),
});

const Mention = z.looseObject({
  type: z.literal('mention'),
  text: z.string().nullish(),
  mentioned: z.looseObject({ id: z.string().nullish() }).nullish(),
});

export const InboundActivity = z.looseObject({
  type: z.string().min(1),
  id: z.string().nullish(),
  name: z.string().nullish(),
  channelId: z.string().nullish(),
  serviceUrl: z.string().refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'must be an http(s) URL'),
  from: Account.nullish(),
  recipient: Account.nullish(),
  conversation: Conversation,
  text: z.string().nullish(),
  replyToId: z.string().nullish(),
  value: z.unknown().optional(),
  entities: z.array(z.unknown()).nullish(),
  channelData: z.looseObject({ tenant: z.looseObject({ id: z.string().nullish() }).nullish() }).nullish(),
});
export type InboundActivity = z.infer<typeof InboundActivity>;

export const ADAPTIVE_CARD_ACTION_INVOKE = 'adaptiveCard/action';

/** Channel messages live in threads: `19:…@thread.tacv2;messageid=1700000000000`. */
export function splitConversationId(id: string): { conversation: string; thread?: string } {
  const match = /^(.*);messageid=([^;]+)$/.exec(id);
  return match ? { conversation: match[1]!, thread: match[2]! } : { conversation: id };
}

/** Channels thread by conversation id; chats (personal, group) have no threads, only replies. */
export function isChannel(conversationId: string, conversationType?: string | null): boolean {
  if (conversationType) return conversationType === 'channel';
  return /@thread\.(tacv2|skype)$/.test(splitConversationId(conversationId).conversation);
}

export function tenantOf(activity: InboundActivity): string | undefined {
  return activity.conversation.tenantId ?? activity.channelData?.tenant?.id ?? undefined;
}

/** The AAD object id is stable across chats and is what `rbac.roles` lists (`teams:<id>`). */
export function userOf(activity: InboundActivity): ChatUser | undefined {
  const from = activity.from;
  if (!from) return undefined;
  return { platform: 'teams', id: from.aadObjectId ?? from.id, name: from.name ?? undefined };
}

export function replyToOf(activity: InboundActivity, user: ChatUser): ReplyTo {
  const { conversation, thread } = splitConversationId(activity.conversation.id);
  return {
    platform: 'teams',
    workspace: tenantOf(activity) ?? 'unknown',
    conversation,
    thread,
    serviceUrl: activity.serviceUrl,
    user,
  };
}

export function referenceOf(activity: InboundActivity): TeamsConversationReference {
  return {
    serviceUrl: activity.serviceUrl,
    conversationId: splitConversationId(activity.conversation.id).conversation,
    tenantId: tenantOf(activity),
    conversationType:
      activity.conversation.conversationType ??
      (isChannel(activity.conversation.id)
        ? 'channel'
        : activity.conversation.isGroup
          ? 'groupChat'
          : undefined),
    botId: activity.recipient?.id,
  };
}

/** The card a button sits on: the activity the invoke (or Action.Submit message) replies to. */
export function cardMessageOf(activity: InboundActivity): MessageRef | undefined {
  if (!activity.replyToId) return undefined;
  const { conversation, thread } = splitConversationId(activity.conversation.id);
  return {
    platform: 'teams',
    workspace: tenantOf(activity) ?? 'unknown',
    conversation,
    id: activity.replyToId,
    thread: thread && thread !== activity.replyToId ? thread : undefined,
    serviceUrl: activity.serviceUrl,
  };
}

const ENTITIES: Record<string, string> = {
  '&nbsp;': ' ',
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&apos;': "'",
};

/**
 * The command text of a message typed to the bot: the bot's @mention (`<at>Threadline</at>`)
 * removed, the little HTML Teams wraps text in dropped, and the command word (`ops`, or
 * `/ops`) stripped when present; in a chat with the bot the word is optional.
 */
export function commandText(activity: InboundActivity, commandName: string): string {
  let text = activity.text ?? '';
  const botId = activity.recipient?.id;
  for (const entity of activity.entities ?? []) {
    const mention = Mention.safeParse(entity);
    if (mention.success && mention.data.text && (!botId || mention.data.mentioned?.id === botId)) {
      text = text.split(mention.data.text).join(' ');
    }
  }
  text = text
    .replace(/^\s*(<at>[^<]*<\/at>\s*)+/i, ' ')
    .replace(/<\/?(p|div|span|br)\b[^>]*>/gi, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\u00a0/g, ' ')
    .trim();
  // The config allows only [a-z0-9_-] in the command name, so it is safe inside a pattern.
  const word = new RegExp(`^/?${commandName}(?=\\s|$)`, 'i').exec(text);
  return (word ? text.slice(word[0].length) : text).trim();
}

export type CardAction = { actionId: string; value: string } | { problem: string };

const ExecuteValue = z.looseObject({
  action: z.looseObject({
    type: z.string().nullish(),
    verb: z.string().min(1).max(TEAMS_CHAT_LIMITS.verb),
    data: z.unknown().optional(),
  }),
});

const ButtonData = z.looseObject({
  verb: z.string().min(1).max(TEAMS_CHAT_LIMITS.verb),
  value: z.union([z.string(), z.number()]).nullish(),
});

/**
 * A button press: an `adaptiveCard/action` invoke (Action.Execute: verb and data.value), or a
 * message whose `value` is the data of our Action.Submit fallback (`{ verb, value }`).
 * Undefined when the activity is not a button press at all (a message whose value has no
 * verb came from some other card, so its text is read as usual).
 */
export function cardActionOf(activity: InboundActivity): CardAction | undefined {
  let data: unknown;
  if (activity.type === 'invoke' && activity.name === ADAPTIVE_CARD_ACTION_INVOKE) {
    const parsed = ExecuteValue.safeParse(activity.value);
    if (!parsed.success) return { problem: 'the card action carries no verb' };
    data = { verb: parsed.data.action.verb, ...valueField(parsed.data.action.data) };
  } else if (
    activity.type === 'message' &&
    activity.value &&
    typeof activity.value === 'object' &&
    'verb' in activity.value
  ) {
    data = activity.value;
  } else {
    return undefined;
  }
  const parsed = ButtonData.safeParse(data);
  if (!parsed.success) return { problem: 'the card action carries no verb' };
  const value =
    parsed.data.value === null || parsed.data.value === undefined ? '' : String(parsed.data.value);
  if (value.length > TEAMS_CHAT_LIMITS.value) return { problem: 'the card action value is too long' };
  return { actionId: parsed.data.verb, value };
}

function valueField(data: unknown): { value?: unknown } {
  return data && typeof data === 'object' && 'value' in data
    ? { value: (data as { value: unknown }).value }
    : {};
}
