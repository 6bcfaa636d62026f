export {
  type DiscordChatCommand,
  discordCommandManifest,
  type RegisteredCommands,
  registerDiscordCommands,
} from './commands-manifest.js';
export { createDiscordModule, INTERACTIONS_PATH } from './module.js';
export { DiscordPlatform } from './platform.js';
