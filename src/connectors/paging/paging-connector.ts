import type { StoredEvent } from '../../core/payload.js';
import type { DeliveryContext, DeliveryReceipt } from '../connector.js';
import type { ConnectorRedis } from '../definition.js';
import { SubscribedConnector, type SubscribedConnectorOptions } from '../subscribed-connector.js';
import { incidentIdOf, originOf, pagedByWorkflow, pagerActionFor, pagerIncidentFor } from './events.js';
import type { Pager, PagerActor, PagerIncident, PagerReceipt } from './pager.js';
import { PagerSteps } from './pager-steps.js';

export interface PagingConnectorOptions extends Omit<SubscribedConnectorOptions, 'humanFacing'> {
  /** Where the steps each pager has received are recorded (none under notify --direct). */
  redis?: () => ConnectorRedis | undefined;
}

/**
 * A pager as an event destination: each event in `alert_on` becomes one pager call, keyed by
 * the incident's (or spec's) dedup key, so a retried delivery or a repeated failure adds to the
 * open alert instead of paging again.
 */
export abstract class PagingConnector extends SubscribedConnector implements Pager {
  abstract readonly pager: string;
  /** How errors and receipts name the provider: "PagerDuty", "Opsgenie". */
  protected abstract readonly label: string;

  private readonly redis: () => ConnectorRedis | undefined;

  constructor(options: PagingConnectorOptions) {
    const { redis, ...rest } = options;
    // A page is not a chat message: the notification rate limit must never hold one back.
    super({ ...rest, humanFacing: false });
    this.redis = redis ?? (() => undefined);
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
        return this.triggerOnce(event, incident);
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

  /**
   * An alert source's incident is paged through `alert_on`, and an Acknowledge pressed in chat
   * first brings the pager up to the trigger: both record it, so the pager gets one trigger.
   */
  private async triggerOnce(event: StoredEvent, incident: PagerIncident): Promise<DeliveryReceipt> {
    const incidentId = incidentIdOf(event.payload);
    const redis = this.redis();
    const steps = incidentId && redis ? new PagerSteps(redis.client, redis.prefix) : undefined;
    if (incidentId && (await steps?.has(incidentId, this.pager, 'trigger')))
      return { summary: `${this.label} already has the alert of ${incidentId}` };
    const receipt = await this.trigger(incident);
    if (incidentId) await steps?.record(incidentId, this.pager, 'trigger', new Date().toISOString());
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
