import type { PlatformDependencies, PlatformModule } from './chat-platform.js';

/**
 * The platform modules enabled in the config. Each platform's factory builds its outbound
 * client and, where it has one, its inbound route.
 *
 * A platform's module is imported only when it is enabled: each pulls a large SDK (Bolt,
 * botbuilder, @discordjs/rest) that a process without that platform should not load.
 */
export async function createPlatformModules(deps: PlatformDependencies): Promise<PlatformModule[]> {
  const modules: PlatformModule[] = [];
  const p = deps.config.platforms;
  if (p.discord?.enabled) {
    const { createDiscordModule } = await import('./discord/module.js');
    modules.push(createDiscordModule(deps));
  }
  if (p.slack?.enabled) {
    const { createSlackModule } = await import('./slack/module.js');
    modules.push(createSlackModule(deps));
  }
  if (p.teams?.enabled) {
    const { createTeamsModule } = await import('./teams/module.js');
    modules.push(createTeamsModule(deps));
  }
  return modules;
}
