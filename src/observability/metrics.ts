import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process. Queue depth is read from Redis at scrape time. */
export class Metrics {
  readonly registry = new Registry();

  readonly eventsReceived = new Counter({
    name: 'threadline_events_received_total',
    help: 'Events accepted by ingress, by event type and whether they were duplicates.',
    labelNames: ['event', 'duplicate'] as const,
    registers: [this.registry],
  });

  readonly eventsRejected = new Counter({
    name: 'threadline_events_rejected_total',
    help: 'Inbound events refused, by reason (signature, body, size, content_type, unavailable).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'threadline_deliveries_total',
    help: 'Job outcomes by destination (integration) or chat action queue (actions.<platform>): delivered, held, retry, deferred, dead_letter.',
    labelNames: ['integration', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'threadline_delivery_retries_total',
    help: 'Deliveries, digests and chat commands scheduled for another attempt after a failure.',
    labelNames: ['integration'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'threadline_dead_letters_total',
    help: 'Deliveries, digests and chat commands that became dead letters.',
    labelNames: ['integration'] as const,
    registers: [this.registry],
  });

  readonly held = new Counter({
    name: 'threadline_notifications_held_total',
    help: 'Notifications held back by notifications.rate_limit, later sent in a digest.',
    labelNames: ['integration'] as const,
    registers: [this.registry],
  });

  readonly digests = new Counter({
    name: 'threadline_digests_sent_total',
    help: 'Digest messages sent for held notifications.',
    labelNames: ['integration'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'threadline_event_to_delivery_seconds',
    help: 'Time from accepting an event to its successful delivery.',
    labelNames: ['integration'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'threadline_queue_depth',
    help: 'Jobs per queue and state, read from Redis at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'threadline_' });
  }
}
