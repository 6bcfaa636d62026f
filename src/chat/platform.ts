import type { PlatformName } from '../core/chat.js';
import type { ChatPlatform } from '../platforms/chat-platform.js';

export class PlatformRegistry {
  private readonly platforms = new Map<PlatformName, ChatPlatform>();

  register(platform: ChatPlatform): void {
    this.platforms.set(platform.name, platform);
  }

  get(name: PlatformName): ChatPlatform | undefined {
    return this.platforms.get(name);
  }

  require(name: PlatformName): ChatPlatform {
    const platform = this.platforms.get(name);
    if (!platform) throw new Error(`chat platform "${name}" is not enabled`);
    return platform;
  }

  names(): PlatformName[] {
    return [...this.platforms.keys()];
  }
}
