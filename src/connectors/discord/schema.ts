import { z } from 'zod';
import { deliveryCommon, eventList, httpUrl } from '../../core/schema-primitives.js';

export const DiscordIntegration = z.strictObject({
  ...deliveryCommon,
  notify_on: eventList.default([]),
  username: z.string().min(1).max(80).optional(),
  avatar_url: httpUrl.optional(),
  webhook_url: httpUrl.optional(),
  /** With platforms.discord enabled: post through the bot into this channel, one thread per spec. */
  channel_id: z.string().regex(/^\d+$/, 'must be a numeric Discord channel id').optional(),
});

export type DiscordIntegrationConfig = z.infer<typeof DiscordIntegration>;
