import { z } from 'zod';
import { AuthError, RateLimitedError, ValidationError } from '../../core/errors.js';
import { type HttpClient, type HttpResponse, raiseForStatus, retryAfterMs } from '../../net/http-client.js';
import { safeUrl } from '../../observability/redact.js';
import { truncate } from '../../security/escape.js';
import { describeDuration } from '../../workflows/duration.js';
import type { HealthResult } from '../connector.js';
import type { ConnectorRedis } from '../definition.js';
import { parseJson } from '../paging/json.js';
import type {
  PagerActor,
  PagerIncident,
  PagerPolling,
  PagerReceipt,
  PagerStatusReport,
  PolledPager,
} from '../paging/pager.js';
import { PagingConnector } from '../paging/paging-connector.js';
import type { PagerDutyIntegrationConfig } from './schema.js';

const USER_AGENT = 'Threadline-PagerDuty/1';
const CLIENT = 'Threadline';
/** The Events API's limits: summary 1024 characters; routing keys are 32 characters. */
const SUMMARY_MAX = 1024;
const ROUTING_KEY_LENGTH = 32;
const ROUTING_KEY = 'integrations.pagerduty.routing_key';
const API_TOKEN = 'integrations.pagerduty.api_token';

/** The Events API's answer, 202 or 400: `errors` says what was wrong with the event. */
const EventsAnswer = z.looseObject({
  status: z.string().optional(),
  message: z.string().optional(),
  dedup_key: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

const IncidentList = z.looseObject({
  incidents: z.array(
    z.looseObject({
      id: z.string(),
      incident_key: z.string().nullish(),
      // An incident in a state this version does not know is read as no status, not as no incident.
      status: z.enum(['triggered', 'acknowledged', 'resolved']).optional().catch(undefined),
      last_status_change_by: z.looseObject({ summary: z.string().max(200).optional() }).nullish(),
    }),
  ),
});

/**
 * PagerDuty through the Events API v2 (trigger / acknowledge / resolve on one dedup_key) and,
 * for notes and status polling, the REST API, which needs a token (and a user, for notes).
 */
export class PagerDutyConnector extends PagingConnector implements PolledPager {
  readonly pager = 'pagerduty';
  protected readonly label = 'PagerDuty';

  constructor(
    private readonly block: PagerDutyIntegrationConfig,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
    redis?: () => ConnectorRedis | undefined,
  ) {
    super({
      redis,
      key: 'pagerduty',
      integration: 'pagerduty',
      events: block.alert_on,
      secrets: [block.routing_key, block.api_token, ...(block.webhook?.secret ?? [])].filter(
        (s): s is string => s !== undefined,
      ),
      retryCount,
      timeoutMs,
    });
  }

  trigger(incident: PagerIncident): Promise<PagerReceipt> {
    const details: Record<string, string> = { ...incident.details };
    if (incident.description) details.description = incident.description;
    return this.enqueue('trigger', incident.dedupKey, {
      payload: {
        summary: truncate(incident.summary, SUMMARY_MAX),
        source: incident.source ?? 'threadline',
        severity: incident.severity ?? this.block.severity,
        timestamp: incident.timestamp ?? new Date().toISOString(),
        ...(details.event ? { class: details.event } : {}),
        custom_details: details,
      },
      client: CLIENT,
      ...(incident.links && incident.links.length > 0
        ? { links: incident.links.map((l) => ({ href: l.url, text: l.label })) }
        : {}),
    });
  }

  acknowledge(dedupKey: string): Promise<PagerReceipt> {
    return this.enqueue('acknowledge', dedupKey, {});
  }

  resolve(dedupKey: string): Promise<PagerReceipt> {
    return this.enqueue('resolve', dedupKey, {});
  }

  /** The Events API has no notes: the REST API finds the incident by its key and adds one. */
  note(dedupKey: string, text: string, actor: PagerActor = {}): Promise<PagerReceipt> {
    const { api_token: token, from_email: from } = this.block;
    if (!token || !from)
      return Promise.reject(
        new ValidationError(
          `PagerDuty notes go through its REST API: set ${API_TOKEN} and integrations.pagerduty.from_email`,
        ),
      );
    return this.scrubbed(async () => {
      const incident = await this.findIncident(token, dedupKey);
      if (!incident) throw new ValidationError(`PagerDuty has no incident with dedup key ${dedupKey}`);
      const response = await this.http.sendJson({
        url: new URL(`/incidents/${encodeURIComponent(incident.id)}/notes`, this.block.api_url).toString(),
        headers: { ...restHeaders(token), from },
        // Notes are written as the from_email user; who acted in chat goes into the text.
        json: { note: { content: actor.by ? `${text} (${actor.by})` : text } },
        userAgent: USER_AGENT,
        timeoutMs: this.timeoutMs,
      });
      raiseRestError(response);
      return { dedupKey, reference: incident.id, summary: `note added to PagerDuty incident ${incident.id}` };
    });
  }

  get polling(): PagerPolling | undefined {
    const { api_token: token, poll_interval: intervalMs, poll_resume_after: resumeAfterMs } = this.block;
    if (!token || intervalMs === 0) return undefined;
    return { intervalMs, resumeAfterMs, credentials: API_TOKEN };
  }

  /** The incident's status through the REST API: the Events API cannot read. */
  status(dedupKey: string): Promise<PagerStatusReport | undefined> {
    const token = this.block.api_token;
    if (!token)
      return Promise.reject(
        new ValidationError(`reading PagerDuty incidents goes through its REST API: set ${API_TOKEN}`),
      );
    return this.scrubbed(async () => {
      const incident = await this.findIncident(token, dedupKey);
      if (!incident?.status) return undefined;
      const by = incident.last_status_change_by?.summary;
      return { status: incident.status, reference: incident.id, ...(by ? { by } : {}) };
    });
  }

  /** An escalation re-triggers the same key: PagerDuty adds it to the open alert and does not page twice. */
  escalate(incident: PagerIncident, _actor: PagerActor = {}): Promise<PagerReceipt> {
    return this.trigger(incident);
  }

  async check(): Promise<HealthResult> {
    const key = this.block.routing_key ?? '';
    if (key.length !== ROUTING_KEY_LENGTH)
      return {
        ok: false,
        detail: `${ROUTING_KEY} has ${key.length} characters; an Events API v2 integration key has ${ROUTING_KEY_LENGTH}`,
      };
    const inbound = this.block.webhook ? 'inbound webhooks verified' : 'no inbound webhooks';
    const notes =
      this.block.api_token && this.block.from_email ? 'notes on' : 'notes off (no api_token/from_email)';
    const polling = this.polling
      ? `status polled every ${describeDuration(this.polling.intervalMs)}`
      : this.block.api_token
        ? 'status polling off (poll_interval 0)'
        : 'status polling off (no api_token)';
    return {
      ok: true,
      detail: `Events API v2 at ${safeUrl(this.block.events_url)}, severity ${this.block.severity}, ${this.subscriptions} event(s); ${inbound}; ${notes}; ${polling}`,
    };
  }

  /**
   * The incident of a dedup key, an open one first (a key can have an older, resolved incident
   * too); `date_range=all`, as the list otherwise covers the last month only.
   */
  private async findIncident(token: string, dedupKey: string) {
    const search = new URL('/incidents', this.block.api_url);
    search.searchParams.set('incident_key', dedupKey);
    search.searchParams.set('date_range', 'all');
    const found = await this.http.send({
      url: search.toString(),
      method: 'GET',
      headers: restHeaders(token),
      timeoutMs: this.timeoutMs,
    });
    raiseRestError(found);
    const incidents = parseJson(IncidentList, found.body)?.incidents ?? [];
    return incidents.find((i) => i.status !== 'resolved') ?? incidents[0];
  }

  private enqueue(
    action: 'trigger' | 'acknowledge' | 'resolve',
    dedupKey: string,
    extra: Record<string, unknown>,
  ): Promise<PagerReceipt> {
    return this.scrubbed(async () => {
      const response = await this.http.sendJson({
        url: this.block.events_url,
        json: { routing_key: this.block.routing_key, event_action: action, dedup_key: dedupKey, ...extra },
        userAgent: USER_AGENT,
        timeoutMs: this.timeoutMs,
      });
      raiseEventsError(response);
      const answer = parseJson(EventsAnswer, response.body);
      const key = answer?.dedup_key ?? dedupKey;
      return { dedupKey: key, reference: key, summary: `PagerDuty ${action} accepted (dedup_key ${key})` };
    });
  }
}

/**
 * The Events API answers a bad or unknown routing key with 400 like any invalid event; that one is
 * a credentials problem for the operator, so it is reported as such (no retry, the key named).
 */
function raiseEventsError(response: HttpResponse): void {
  if (response.status === 400) {
    const answer = parseJson(EventsAnswer, response.body);
    const reasons = [answer?.message, ...(answer?.errors ?? [])].filter(Boolean).join('; ');
    const detail = reasons === '' ? response.body.slice(0, 200) : reasons;
    if (/routing[ _]?key/i.test(detail))
      throw new AuthError(`PagerDuty refused the routing key (400): ${detail}; check ${ROUTING_KEY}`);
    throw new ValidationError(`PagerDuty rejected the event (400): ${detail}`);
  }
  raiseForStatus(response, 'PagerDuty Events API', ROUTING_KEY);
}

function restHeaders(token: string): Record<string, string> {
  return { accept: 'application/vnd.pagerduty+json;version=2', authorization: `Token token=${token}` };
}

/** The REST API throttles with 429 and says when its window resets in `ratelimit-reset` (seconds). */
function raiseRestError(response: HttpResponse): void {
  if (response.status === 429 && response.headers['retry-after'] === undefined) {
    const wait = retryAfterMs(response.headers['ratelimit-reset']);
    if (wait !== undefined)
      throw new RateLimitedError(`PagerDuty REST API answered 429; retry after ${wait} ms`, wait);
  }
  raiseForStatus(response, 'PagerDuty REST API', API_TOKEN);
}
