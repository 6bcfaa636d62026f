import type { StoredEvent } from '../../core/payload.js';
import type { DeliveryContext, DeliveryReceipt } from '../connector.js';
import { SubscribedConnector, type SubscribedConnectorOptions } from '../subscribed-connector.js';
import { originOf, pagedByWorkflow, pagerActionFor, pagerIncidentFor } from './events.js';
import type { Pager, PagerActor, PagerIncident, PagerReceipt } from './pager.js';

/**
 * A pager as an event destination: each event in `alert_on` becomes one pager call, keyed by
 * the incident's (or spec's) dedup key, so a retried delivery or a repeated failure adds to the
 * open alert instead of paging again.
 */
export abstract class PagingConnector extends SubscribedConnector implements Pager {
  abstract readonly pager: string;
  /** How errors and receipts name the provider: "PagerDuty", "Opsgenie". */
  protected abstract readonly label: string;

  constructor(options: Omit<SubscribedConnectorOptions, 'humanFacing'>) {
    // A page is not a chat message: the notification rate limit must never hold one back.
    super({ ...options, humanFacing: false });
  }

  async deliver(event: StoredEvent, _context: DeliveryContext): Promise<DeliveryReceipt> {
    // An ack or resolve that the pager itself reported must not be sent back to it.
    if (originOf(event.payload) === this.pager)
      return { summary: `reported by ${this.label}; not sent back to it` };
    if (pagedByWorkflow(event.payload))
      return { summary: `the incident workflow calls ${this.label} for this incident itself` };
    const incident = pagerIncidentFor(event);
    const actor = actorOf(event);
    let receipt: PagerReceipt;
    switch (pagerActionFor(event.payload.event)) {
      case 'trigger':
        receipt = await this.trigger(incident);
        break;
      case 'acknowledge':
        receipt = await this.acknowledge(incident.dedupKey, actor);
        break;
      case 'resolve':
        receipt = await this.resolve(incident.dedupKey, actor);
        break;
      case 'escalate':
        receipt = await this.escalate(incident, actor);
        break;
    }
    return { reference: receipt.reference, summary: receipt.summary };
  }

  /** What an escalation in Threadline does at this pager. */
  abstract escalate(incident: PagerIncident, actor?: PagerActor): Promise<PagerReceipt>;

  abstract trigger(incident: PagerIncident): Promise<PagerReceipt>;
  abstract acknowledge(dedupKey: string, actor?: PagerActor): Promise<PagerReceipt>;
  abstract resolve(dedupKey: string, actor?: PagerActor): Promise<PagerReceipt>;
  abstract note(dedupKey: string, text: string, actor?: PagerActor): Promise<PagerReceipt>;
}

function actorOf(event: StoredEvent): PagerActor {
  const incident = event.payload.incident;
  if (incident && typeof incident === 'object' && 'by' in incident && typeof incident.by === 'string')
    return { by: incident.by };
  return {};
}
