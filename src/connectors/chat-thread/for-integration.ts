import type { PlatformName } from '../../core/chat.js';
import type { EventName } from '../../core/events.js';
import { type ConnectorContext, deliveryLimits } from '../definition.js';
import { ChatThreadConnector } from './chat-thread.connector.js';

/** A chat integration's events posted through its platform's bot, one thread per spec. */
export function chatThreadFor(
  platform: PlatformName & ('slack' | 'teams' | 'discord'),
  conversation: string,
  block: { notify_on: readonly EventName[]; retry_count?: number; timeout_ms?: number },
  context: ConnectorContext,
  mentions: readonly string[] = [],
): ChatThreadConnector {
  return new ChatThreadConnector({
    integration: platform,
    platform,
    place: { workspace: 'default', conversation },
    notifyOn: block.notify_on,
    mentions,
    surface: context.chat,
    ...deliveryLimits(block, context),
  });
}
