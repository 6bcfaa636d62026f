import type { PlatformDependencies, PlatformModule } from './chat-platform.js';
import { createDiscordModule } from './discord/index.js';
import { createSlackModule } from './slack/module.js';
import { createTeamsModule } from './teams/module.js';

/**
 * The platform modules enabled in the config. Each platform's factory builds its outbound
 * client and, where it has one, its inbound route.
 */
export function createPlatformModules(deps: PlatformDependencies): PlatformModule[] {
  const modules: PlatformModule[] = [];
  const p = deps.config.platforms;
  if (p.discord?.enabled) modules.push(createDiscordModule(deps));
  if (p.slack?.enabled) modules.push(createSlackModule(deps));
  if (p.teams?.enabled) modules.push(createTeamsModule(deps));
  return modules;
}
