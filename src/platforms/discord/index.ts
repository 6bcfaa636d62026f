export { createDiscordModule, INTERACTIONS_PATH } from './adapter.js';
export {
  type DiscordChatCommand,
  discordCommandManifest,
  type RegisteredCommands,
  registerDiscordCommands,
} from './commands-manifest.js';
export { DiscordPlatform } from './discord.platform.js';
