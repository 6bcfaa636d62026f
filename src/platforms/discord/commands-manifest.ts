import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { z } from 'zod';
import type { CommandSpec } from '../../core/command.js';
import { ValidationError } from '../../core/errors.js';
import { HttpClient } from '../../net/http-client.js';
import { truncate } from '../../security/escape.js';
import type { PlatformConfigView } from '../chat-platform.js';
import { closeDiscordRest, createDiscordRest, mapDiscordError } from './client.js';
import { COMMAND_LIMITS, COMMAND_NAME } from './limits.js';

/*
 * The Discord side of the command definitions: one chat-input command (`/ops`) whose
 * subcommands are the one-word commands and whose subcommand groups hold the two-word ones
 * (`/ops ticket create`). Every option is a string, as typed text would be; the router parses
 * and validates them exactly as it does for Slack and Teams.
 */

export interface DiscordStringOption {
  type: ApplicationCommandOptionType.String;
  name: string;
  description: string;
  required: boolean;
  choices?: Array<{ name: string; value: string }>;
  min_length?: number;
  max_length?: number;
}

export interface DiscordSubcommand {
  type: ApplicationCommandOptionType.Subcommand;
  name: string;
  description: string;
  options: DiscordStringOption[];
}

export interface DiscordSubcommandGroup {
  type: ApplicationCommandOptionType.SubcommandGroup;
  name: string;
  description: string;
  options: DiscordSubcommand[];
}

export interface DiscordChatCommand {
  type: ApplicationCommandType.ChatInput;
  name: string;
  description: string;
  /** Guild only: roles (RBAC) and channels (threads) are guild things. */
  contexts: [InteractionContextType.Guild];
  integration_types: [ApplicationIntegrationType.GuildInstall];
  options: Array<DiscordSubcommand | DiscordSubcommandGroup>;
}

/** Where an option's value goes in the command text: a positional word or a `--flag`. */
export interface OptionBinding {
  option: string;
  argument: string;
  positional: boolean;
}

/**
 * The body of `PUT /applications/{application_id}/commands` (bulk overwrite): an array holding the
 * one `/<commandName>` command. Pure, so the manifests script and the drift test share it.
 * Throws when a definition would break one of Discord's limits.
 */
export function discordCommandManifest(
  commands: readonly CommandSpec[],
  commandName: string,
): DiscordChatCommand[] {
  const top: Array<DiscordSubcommand | DiscordSubcommandGroup> = [];
  const groups = new Map<string, DiscordSubcommandGroup>();
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.length === 1) {
      top.push(subcommand(words[0]!, command));
      continue;
    }
    const [groupName, subName] = words as [string, string];
    let group = groups.get(groupName);
    if (!group) {
      group = {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: groupName,
        description: '',
        options: [],
      };
      groups.set(groupName, group);
      top.push(group);
    }
    group.options.push(subcommand(subName, command));
  }
  for (const group of groups.values()) {
    group.description = fitDescription(`${group.name}: ${group.options.map((o) => o.name).join(', ')}`);
  }
  const manifest: DiscordChatCommand = {
    type: ApplicationCommandType.ChatInput,
    name: commandName,
    description: 'Threadline: incidents, paging, tickets, waivers and runbooks',
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    options: top,
  };
  const problems = manifestProblems(manifest);
  if (problems.length > 0)
    throw new Error(`the Discord command manifest breaks Discord's limits:\n${problems.join('\n')}`);
  return [manifest];
}

function subcommand(name: string, command: CommandSpec): DiscordSubcommand {
  const placeholders = usagePlaceholders(command.usage);
  const options = optionBindings(command).map((binding) => stringOption(command, binding, placeholders));
  // Discord requires every required option to come before the optional ones.
  options.sort((a, b) => Number(b.required) - Number(a.required));
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name,
    description: fitDescription(command.summary),
    options,
  };
}

/** The options of a command, in order: positionals first, then the remaining arguments as flags. */
export function optionBindings(command: CommandSpec): OptionBinding[] {
  const keys = Object.keys(command.args.shape);
  const positionals = command.positionals.filter((p) => keys.includes(p));
  const flags = keys.filter((k) => !positionals.includes(k));
  return [
    ...positionals.map((argument) => ({ option: optionName(argument), argument, positional: true })),
    ...flags.map((argument) => ({ option: optionName(argument), argument, positional: false })),
  ];
}

/** `specId` → `spec_id`: Discord option names are lowercase. */
export function optionName(argument: string): string {
  return argument
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^-_a-z0-9]/g, '_')
    .slice(0, COMMAND_LIMITS.name);
}

interface Inspected {
  optional: boolean;
  defaultValue?: unknown;
  choices?: string[];
  minLength?: number;
  maxLength?: number;
  description?: string;
}

/** What the zod schema of one argument says about it, read from its JSON Schema (input side). */
function inspect(schema: z.ZodType): Inspected {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const result: Inspected = { optional: schema.isOptional() };
  if (json.default !== undefined) result.defaultValue = json.default;
  if (typeof json.description === 'string') result.description = json.description;
  if (Array.isArray(json.enum)) result.choices = json.enum.map(String);
  if (json.type === 'string' && !result.choices) {
    if (typeof json.minLength === 'number') result.minLength = json.minLength;
    if (typeof json.maxLength === 'number') result.maxLength = json.maxLength;
  }
  return result;
}

function stringOption(
  command: CommandSpec,
  binding: OptionBinding,
  placeholders: UsagePlaceholders,
): DiscordStringOption {
  const shape = command.args.shape as Record<string, z.ZodType>;
  const info = inspect(shape[binding.argument]!);
  const option: DiscordStringOption = {
    type: ApplicationCommandOptionType.String,
    name: binding.option,
    description: fitDescription(describeOption(command, binding, info, placeholders)),
    required: !info.optional,
  };
  if (info.choices && info.choices.length <= COMMAND_LIMITS.choices) {
    option.choices = info.choices.map((c) => ({ name: truncate(c, COMMAND_LIMITS.choiceName), value: c }));
  } else {
    if (info.minLength !== undefined && info.minLength > 0)
      option.min_length = Math.min(info.minLength, COMMAND_LIMITS.stringLength);
    if (info.maxLength !== undefined)
      option.max_length = Math.min(info.maxLength, COMMAND_LIMITS.stringLength);
  }
  return option;
}

interface UsagePlaceholders {
  positionals: string[];
  flags: Map<string, string | undefined>;
}

/** `ack <incident-id>` names the first positional "incident id"; `[--spec FEAT-0001]` gives an example. */
function usagePlaceholders(usage: string): UsagePlaceholders {
  const positionals: string[] = [];
  const flags = new Map<string, string | undefined>();
  for (const match of usage.matchAll(/\[--([\w-]+)(?:[ =]([^\]]+))?\]|<([^>]+)>|\[([^\]-][^\]]*)\]/g)) {
    if (match[1]) flags.set(match[1], match[2]?.trim());
    else positionals.push((match[3] ?? match[4])!.trim());
  }
  return { positionals, flags };
}

function describeOption(
  command: CommandSpec,
  binding: OptionBinding,
  info: Inspected,
  placeholders: UsagePlaceholders,
): string {
  if (info.description) return info.description;
  const defaultText = typeof info.defaultValue === 'string' ? ` (default ${info.defaultValue})` : '';
  if (binding.positional) {
    const index = command.positionals.indexOf(binding.argument);
    const label = (placeholders.positionals[index] ?? binding.argument).replace(/[-_]/g, ' ');
    return `The ${label}${info.optional ? ' (optional)' : ''}${defaultText}`;
  }
  const example = placeholders.flags.get(binding.argument);
  const label = binding.argument.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (info.choices) return `The ${label}: ${listWords(info.choices)}${defaultText}`;
  if (example && !example.includes('|')) return `The ${label}, e.g. ${example}${defaultText}`;
  return `The ${label}${defaultText}`;
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function fitDescription(text: string): string {
  return truncate(text, COMMAND_LIMITS.description);
}

/** Every way the manifest breaks Discord's rules for chat-input commands; empty when it is valid. */
export function manifestProblems(command: DiscordChatCommand): string[] {
  const problems: string[] = [];
  const checkName = (name: string, where: string) => {
    if (!COMMAND_NAME.test(name))
      problems.push(`${where}: name "${name}" must be 1-32 lowercase letters, digits, - or _`);
  };
  const checkDescription = (text: string, where: string) => {
    if (text.length < 1 || text.length > COMMAND_LIMITS.description)
      problems.push(`${where}: description must be 1-100 characters`);
  };
  const checkList = (names: string[], where: string) => {
    if (names.length > COMMAND_LIMITS.options) problems.push(`${where}: more than 25 options`);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) problems.push(`${where}: option "${dup}" appears twice`);
  };
  const checkSub = (sub: DiscordSubcommand, where: string) => {
    checkName(sub.name, where);
    checkDescription(sub.description, where);
    checkList(
      sub.options.map((o) => o.name),
      where,
    );
    let optionalSeen = false;
    for (const option of sub.options) {
      const at = `${where} ${option.name}`;
      checkName(option.name, at);
      checkDescription(option.description, at);
      if (!option.required) optionalSeen = true;
      else if (optionalSeen) problems.push(`${at}: required options must come before optional ones`);
      if ((option.choices?.length ?? 0) > COMMAND_LIMITS.choices)
        problems.push(`${at}: more than 25 choices`);
    }
  };
  checkName(command.name, command.name);
  checkDescription(command.description, command.name);
  checkList(
    command.options.map((o) => o.name),
    command.name,
  );
  for (const option of command.options) {
    const where = `/${command.name} ${option.name}`;
    if (option.type === ApplicationCommandOptionType.Subcommand) checkSub(option, where);
    else {
      checkName(option.name, where);
      checkDescription(option.description, where);
      checkList(
        option.options.map((o) => o.name),
        where,
      );
      for (const sub of option.options) checkSub(sub, `${where} ${sub.name}`);
    }
  }
  if (manifestCharacters(command) > COMMAND_LIMITS.totalCharacters)
    problems.push(`/${command.name}: more than 8000 characters of names, descriptions and choices`);
  return problems;
}

/** Discord counts names, descriptions and choice names and values towards a command's 8000. */
export function manifestCharacters(command: DiscordChatCommand): number {
  let total = command.name.length + command.description.length;
  const count = (option: DiscordSubcommand | DiscordSubcommandGroup | DiscordStringOption): void => {
    total += option.name.length + option.description.length;
    if (option.type === ApplicationCommandOptionType.String)
      for (const c of option.choices ?? []) total += c.name.length + c.value.length;
    else for (const o of option.options) count(o);
  };
  for (const option of command.options) count(option);
  return total;
}

export interface RegisteredCommands {
  applicationId: string;
  /** `global`, or the guild id when registered to one guild (instant, for trying things out). */
  scope: string;
  commands: Array<{ id: string; name: string }>;
}

/**
 * `threadline commands register --platform discord`: bulk-overwrites the application's commands
 * with the manifest. PUT replaces the whole set, so running it again is harmless and removes
 * commands that no longer exist. Global commands can take a while to reach every client; a
 * `guildId` registers them to one server at once instead.
 */
export async function registerDiscordCommands(
  config: Readonly<PlatformConfigView>,
  http: HttpClient | undefined,
  options: { guildId?: string; commands: readonly CommandSpec[] },
): Promise<RegisteredCommands> {
  const discord = config.platforms.discord;
  if (!discord?.application_id || !discord.bot_token) {
    throw new ValidationError(
      'platforms.discord.application_id and platforms.discord.bot_token are needed to register commands',
    );
  }
  const body: RESTPutAPIApplicationCommandsJSONBody = discordCommandManifest(
    options.commands,
    config.platforms.command,
  );
  const client = http ?? new HttpClient({ allowPrivateNetworks: config.security.allow_private_networks });
  const rest = createDiscordRest({ apiUrl: discord.api_url, botToken: discord.bot_token, http: client });
  const route = options.guildId
    ? (`/applications/${discord.application_id}/guilds/${options.guildId}/commands` as const)
    : (`/applications/${discord.application_id}/commands` as const);
  try {
    const registered = (await rest.put(route, { body })) as Array<{ id: string; name: string }>;
    return {
      applicationId: discord.application_id,
      scope: options.guildId ?? 'global',
      commands: registered.map((c) => ({ id: c.id, name: c.name })),
    };
  } catch (error) {
    throw mapDiscordError(error, 'registering the slash commands');
  } finally {
    closeDiscordRest(rest);
    if (!http) await client.close();
  }
}
