import type { Logger } from '../observability/logger.js';
import type { AcceptanceListener } from './ingest.js';

/**
 * One info line per accepted event, naming where it will go. Without it a sender sees `202`
 * and an operator sees nothing, even when no destination is subscribed and the event goes nowhere.
 */
export function logAcceptedEvents(logger: Logger): AcceptanceListener {
  return ({ id, duplicate, event, destinations: routed }) => {
    // On the ingress path: below info (as under load) do not build the line.
    if (!logger.isLevelEnabled('info')) return;
    if (duplicate) {
      logger.info(
        { id, event, duplicate },
        `event ${id} was already accepted within the dedup window; it is not routed again`,
      );
      return;
    }
    const destinations = [...routed];
    logger.info(
      { id, event, destinations },
      destinations.length > 0
        ? `event accepted: ${event} ${id} → ${destinations.join(', ')}`
        : `event accepted: ${event} ${id}; no destination is subscribed to ${event}`,
    );
  };
}
