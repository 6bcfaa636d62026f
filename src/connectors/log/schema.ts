import { z } from 'zod';
import { EVENT_NAMES } from '../../core/events.js';
import { eventList, flag } from '../../core/schema-primitives.js';

/**
 * `integrations.log`: each notification as one readable line on the process's stderr. Without
 * `events` every event of the catalogue is written: someone who turns a log on expects to see
 * everything that happens.
 */
export const LogIntegration = z.strictObject({
  enabled: flag.default(false),
  events: eventList
    .min(1, 'list at least one event, or leave events out to write every event')
    .default([...EVENT_NAMES]),
});

export type LogIntegrationConfig = z.infer<typeof LogIntegration>;
