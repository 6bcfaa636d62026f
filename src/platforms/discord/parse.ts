import {
  ApplicationCommandOptionType,
  type ButtonStyle,
  ChannelType,
  type ComponentType,
  InteractionType,
  MessageFlags,
} from 'discord-api-types/v10';
import type { ChatUser, MessageRef, ReplyTo } from '../../core/chat.js';
import type { CommandSpec } from '../../core/command.js';
import { optionBindings } from './commands-manifest.js';
import { INTERACTION_TOKEN_LIFETIME_MS, INTERACTION_TOKEN_MARGIN_MS } from './limits.js';

/*
 * Discord interaction payloads (discord.com/developers/docs/interactions/receiving-and-responding)
 * turned into neutral requests. Only the fields Threadline reads are typed; everything is
 * checked at runtime because the body is untrusted until proven otherwise (the signature only
 * proves that Discord sent it).
 */

export interface DiscordUserJson {
  id: string;
  username?: string;
  global_name?: string | null;
}

export interface CommandOptionJson {
  name: string;
  type: ApplicationCommandOptionType;
  value?: string | number | boolean;
  options?: CommandOptionJson[];
}

export interface ComponentJson {
  type: ComponentType;
  custom_id?: string;
  label?: string;
  style?: ButtonStyle;
  components?: ComponentJson[];
}

export interface InteractionJson {
  id: string;
  application_id?: string;
  type: InteractionType;
  token: string;
  guild_id?: string;
  channel_id?: string;
  channel?: { id: string; type?: ChannelType; parent_id?: string | null };
  member?: { user?: DiscordUserJson; roles?: string[]; nick?: string | null };
  user?: DiscordUserJson;
  data?: {
    name?: string;
    type?: number;
    options?: CommandOptionJson[];
    custom_id?: string;
    component_type?: ComponentType;
  };
  message?: {
    id: string;
    channel_id: string;
    flags?: MessageFlags;
    components?: ComponentJson[];
  };
}

/** Returns the interaction, or why the body is not one we can act on. */
export function parseInteraction(raw: unknown): InteractionJson | string {
  if (raw === null || typeof raw !== 'object') return 'the body is not an interaction object';
  const i = raw as Partial<InteractionJson>;
  if (typeof i.type !== 'number') return 'the interaction has no type';
  if (i.type === InteractionType.Ping) return i as InteractionJson;
  if (typeof i.id !== 'string' || !/^\d{1,25}$/.test(i.id)) return 'the interaction has no valid id';
  if (typeof i.token !== 'string' || i.token.length === 0) return 'the interaction has no token';
  const user = i.member?.user ?? i.user;
  if (!user || typeof user.id !== 'string') return 'the interaction names no user';
  if (typeof (i.channel_id ?? i.channel?.id) !== 'string') return 'the interaction names no channel';
  return i as InteractionJson;
}

const THREAD_TYPES: ReadonlySet<ChannelType> = new Set([
  ChannelType.AnnouncementThread,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
]);

/**
 * Where the interaction happened and who did it. Inside a Discord thread the conversation is the
 * thread's parent channel and `thread` is the thread (whose id is also the id of the message it
 * was started from), the same shape our own thread replies have. The token's follow-ups land in
 * the interaction's own channel (`responseChannel`) until shortly before it expires.
 */
export function replyToOf(interaction: InteractionJson, receivedAt = Date.now()): ReplyTo {
  const channelId = (interaction.channel_id ?? interaction.channel?.id)!;
  const channel = interaction.channel;
  const inThread =
    channel !== undefined &&
    channel.type !== undefined &&
    THREAD_TYPES.has(channel.type) &&
    typeof channel.parent_id === 'string';
  return {
    platform: 'discord',
    // DMs have no guild; "@me" is what Discord's own routes call them.
    workspace: interaction.guild_id ?? '@me',
    conversation: inThread ? channel.parent_id! : channelId,
    thread: inThread ? channelId : undefined,
    user: userOf(interaction),
    responseToken: interaction.token,
    responseTokenExpiresAt: receivedAt + INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_MARGIN_MS,
    responseChannel: channelId,
  };
}

export function userOf(interaction: InteractionJson): ChatUser {
  const user = (interaction.member?.user ?? interaction.user)!;
  const name = interaction.member?.nick ?? user.global_name ?? user.username;
  return {
    platform: 'discord',
    id: user.id,
    ...(name ? { name } : {}),
    roleIds: Array.isArray(interaction.member?.roles) ? interaction.member.roles : [],
  };
}

/**
 * The message carrying a pressed button, as a MessageRef. Ephemeral messages cannot be edited
 * through the channel and cannot start threads, so they are not offered as one.
 */
export function messageOf(interaction: InteractionJson, replyTo: ReplyTo): MessageRef | undefined {
  const message = interaction.message;
  if (!message || ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0) return undefined;
  return {
    platform: 'discord',
    workspace: replyTo.workspace,
    conversation: replyTo.conversation,
    id: message.id,
    thread: replyTo.thread,
  };
}

/**
 * `/ops page service:payments summary:checkout 500s severity:critical` →
 * `page "payments" "checkout 500s" --severity "critical"`, the text the router parses for every
 * platform. Options the definition does not know are passed as flags so the router names them.
 */
export function commandText(
  options: readonly CommandOptionJson[] | undefined,
  commands: readonly CommandSpec[],
): string {
  const first = options?.[0];
  if (!first) return '';
  let name = first.name;
  let values = first.options ?? [];
  if (first.type === ApplicationCommandOptionType.SubcommandGroup) {
    const sub = first.options?.[0];
    name = sub ? `${first.name} ${sub.name}` : first.name;
    values = sub?.options ?? [];
  } else if (first.type !== ApplicationCommandOptionType.Subcommand) {
    // A command registered without subcommands: treat the options as flags of nothing.
    return values.map((o) => `--${o.name} ${quote(String(o.value ?? ''))}`).join(' ');
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return name;
  const byOption = new Map(values.filter((o) => o.value !== undefined).map((o) => [o.name, String(o.value)]));
  const words = [name];
  const flags: string[] = [];
  for (const binding of optionBindings(command)) {
    const value = byOption.get(binding.option);
    byOption.delete(binding.option);
    if (value === undefined || value === '') continue;
    if (binding.positional) words.push(quote(value));
    else flags.push(`--${binding.argument}`, quote(value));
  }
  for (const [option, value] of byOption) flags.push(`--${option}`, quote(value));
  return [...words, ...flags].join(' ');
}

/**
 * Quotes a value for the router's tokenizer, which knows "double" and 'single' quotes but no
 * escapes: a `"` inside the value is written as '"' between two double-quoted parts.
 */
export function quote(value: string): string {
  const normalised = value.replace(/[\u201C\u201D\u201E]/g, '"');
  return normalised
    .split('"')
    .map((part) => `"${part}"`)
    .join(`'"'`);
}

/** `incident.ack:INC-3` → action `incident.ack`, value `INC-3`. */
export function splitCustomId(id: string): { actionId: string; value: string } {
  const colon = id.indexOf(':');
  return colon === -1
    ? { actionId: id, value: '' }
    : { actionId: id.slice(0, colon), value: id.slice(colon + 1) };
}

/** The button with this custom_id on the message, for its label and style. */
export function findButton(
  components: readonly ComponentJson[] | undefined,
  id: string,
): ComponentJson | undefined {
  for (const component of components ?? []) {
    if (component.custom_id === id) return component;
    const nested = findButton(component.components, id);
    if (nested) return nested;
  }
  return undefined;
}
