import type { PlatformDependencies, PlatformModule } from '../chat/platform-module.js';

/**
 * The platform modules enabled in the config. Each platform's factory builds its outbound
 * client and, where it has one, its inbound route.
 */
export function createPlatformModules(deps: PlatformDependencies): PlatformModule[] {
  const modules: PlatformModule[] = [];
  const p = deps.config.platforms;
  // Each enabled platform adds its module here (slack, discord, teams).
  void p;
  return modules;
}
