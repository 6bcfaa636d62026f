import { z } from 'zod';
import { deliveryCommon, eventList, flag, httpUrl } from '../../core/schema-primitives.js';

export const TeamsIntegration = z.strictObject({
  ...deliveryCommon,
  notify_on: eventList.default([]),
  use_adaptive_cards: flag.default(true),
  webhook_url: httpUrl.optional(),
  /** With platforms.teams enabled: post through the bot into this conversation, one thread per spec. */
  conversation_id: z.string().min(1).optional(),
});

export type TeamsIntegrationConfig = z.infer<typeof TeamsIntegration>;
