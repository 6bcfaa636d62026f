import { z } from 'zod';
import { NotFoundError, RateLimitedError } from '../../core/errors.js';
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
  PagerSeverity,
  PagerStatusReport,
  PolledPager,
} from '../paging/pager.js';
import { PagingConnector } from '../paging/paging-connector.js';
import type { OpsgenieIntegrationConfig } from './schema.js';

const USER_AGENT = 'Threadline-Opsgenie/1';
const SOURCE = 'Threadline';
const API_KEY = 'integrations.opsgenie.api_key';
/** The Alert API's documented field limits. */
const LIMITS = { message: 130, description: 15_000, entity: 512, user: 100, note: 25_000, details: 8_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PRIORITY: Record<PagerSeverity, 'P1' | 'P2' | 'P3' | 'P5'> = {
  critical: 'P1',
  error: 'P2',
  warning: 'P3',
  info: 'P5',
};

/** 202 for every accepted request: the work happens later, `requestId` names it. */
const Accepted = z.looseObject({ requestId: z.string().optional(), result: z.string().optional() });

/** GET /v2/alerts/{alias}: the alert's state and who acknowledged or closed it. */
const AlertAnswer = z.looseObject({
  data: z.looseObject({
    id: z.string(),
    status: z.string().optional(),
    acknowledged: z.boolean().optional(),
    report: z
      .looseObject({
        acknowledgedBy: z.string().max(200).optional(),
        closedBy: z.string().max(200).optional(),
      })
      .optional(),
  }),
});

/**
 * Opsgenie's Alert API: create with the dedup key as alias (Opsgenie de-duplicates open alerts on
 * it), then acknowledge, close and add notes by alias.
 */
export class OpsgenieConnector extends PagingConnector implements PolledPager {
  readonly pager = 'opsgenie';
  protected readonly label = 'Opsgenie';

  constructor(
    private readonly block: OpsgenieIntegrationConfig,
    private readonly http: HttpClient,
    retryCount: number,
    timeoutMs: number,
    redis?: () => ConnectorRedis | undefined,
  ) {
    super({
      redis,
      key: 'opsgenie',
      integration: 'opsgenie',
      events: block.alert_on,
      secrets: [block.api_key, ...(block.webhook?.secret ?? [])].filter((s): s is string => s !== undefined),
      retryCount,
      timeoutMs,
    });
  }

  trigger(incident: PagerIncident): Promise<PagerReceipt> {
    const body: Record<string, unknown> = {
      message: truncate(incident.summary, LIMITS.message),
      alias: incident.dedupKey,
      priority: incident.severity ? PRIORITY[incident.severity] : this.block.priority,
      source: SOURCE,
    };
    const description = [
      incident.description,
      ...(incident.links ?? []).map((link) => `${link.label}: ${link.url}`),
    ]
      .filter(Boolean)
      .join('\n');
    if (description) body.description = truncate(description, LIMITS.description);
    if (incident.source) body.entity = truncate(incident.source, LIMITS.entity);
    if (this.block.tags.length > 0) body.tags = this.block.tags;
    const details = fitDetails(incident.details ?? {});
    if (Object.keys(details).length > 0) body.details = details;
    return this.call('create', incident.dedupKey, '/v2/alerts', body);
  }

  acknowledge(dedupKey: string, actor: PagerActor = {}): Promise<PagerReceipt> {
    return this.call('acknowledge', dedupKey, aliasPath(dedupKey, 'acknowledge'), this.action(actor));
  }

  resolve(dedupKey: string, actor: PagerActor = {}): Promise<PagerReceipt> {
    return this.call('close', dedupKey, aliasPath(dedupKey, 'close'), this.action(actor));
  }

  note(dedupKey: string, text: string, actor: PagerActor = {}): Promise<PagerReceipt> {
    return this.call('note', dedupKey, aliasPath(dedupKey, 'notes'), {
      ...this.action(actor),
      note: truncate(text, LIMITS.note),
    });
  }

  /** Opsgenie escalates on its own policies; Threadline's escalation is recorded on the alert as a note. */
  escalate(incident: PagerIncident, actor: PagerActor = {}): Promise<PagerReceipt> {
    return this.note(incident.dedupKey, `Escalated in Threadline: ${incident.summary}`, actor);
  }

  get polling(): PagerPolling | undefined {
    const { poll_interval: intervalMs, poll_resume_after: resumeAfterMs } = this.block;
    if (!this.block.api_key || intervalMs === 0) return undefined;
    return { intervalMs, resumeAfterMs, credentials: API_KEY };
  }

  /** The alert by alias; `open|closed` and `acknowledged` become triggered / acknowledged / resolved. */
  status(dedupKey: string): Promise<PagerStatusReport | undefined> {
    return this.scrubbed(async () => {
      const response = await this.http.send({
        url: new URL(
          `/v2/alerts/${encodeURIComponent(dedupKey)}?identifierType=alias`,
          this.block.api_url,
        ).toString(),
        method: 'GET',
        headers: { authorization: `GenieKey ${this.block.api_key}` },
        timeoutMs: this.timeoutMs,
      });
      try {
        raiseOpsgenieError(response);
      } catch (error) {
        // Opsgenie creates alerts after answering 202: one not there yet is not an error.
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
      const alert = parseJson(AlertAnswer, response.body)?.data;
      if (!alert) return undefined;
      const { report } = alert;
      if (alert.status === 'closed')
        return {
          status: 'resolved',
          reference: alert.id,
          ...(report?.closedBy ? { by: report.closedBy } : {}),
        };
      if (alert.acknowledged)
        return {
          status: 'acknowledged',
          reference: alert.id,
          ...(report?.acknowledgedBy ? { by: report.acknowledgedBy } : {}),
        };
      return { status: 'triggered', reference: alert.id };
    });
  }

  async check(): Promise<HealthResult> {
    const key = this.block.api_key ?? '';
    if (!UUID.test(key))
      return { ok: false, detail: `${API_KEY} is not an Opsgenie API key (a UUID such as 0a1b2c3d-…)` };
    const region = /\.eu\.opsgenie\.com$/i.test(new URL(this.block.api_url).hostname) ? ' (EU)' : '';
    const inbound = this.block.webhook ? 'inbound webhooks with a shared secret' : 'no inbound webhooks';
    const polling = this.polling
      ? `status polled every ${describeDuration(this.polling.intervalMs)}`
      : 'status polling off (poll_interval 0)';
    return {
      ok: true,
      detail: `Alert API at ${safeUrl(this.block.api_url)}${region}, priority ${this.block.priority}, ${this.subscriptions} event(s); ${inbound}; ${polling}`,
    };
  }

  private action(actor: PagerActor): Record<string, string> {
    return { source: SOURCE, ...(actor.by ? { user: truncate(actor.by, LIMITS.user) } : {}) };
  }

  private call(what: string, dedupKey: string, path: string, json: unknown): Promise<PagerReceipt> {
    return this.scrubbed(async () => {
      const response = await this.http.sendJson({
        url: new URL(path, this.block.api_url).toString(),
        headers: { authorization: `GenieKey ${this.block.api_key}` },
        json,
        userAgent: USER_AGENT,
        timeoutMs: this.timeoutMs,
      });
      raiseOpsgenieError(response);
      const requestId = parseJson(Accepted, response.body)?.requestId;
      return {
        dedupKey,
        reference: requestId,
        summary: `Opsgenie ${what} accepted for alias ${dedupKey}${requestId ? ` (request ${requestId})` : ''}`,
      };
    });
  }
}

function aliasPath(alias: string, action: string): string {
  return `/v2/alerts/${encodeURIComponent(alias)}/${action}?identifierType=alias`;
}

/**
 * Opsgenie throttles with 429 and says for how long in X-RateLimit-Period-In-Sec; Retry-After,
 * when a proxy adds one, wins.
 */
function raiseOpsgenieError(response: HttpResponse): void {
  if (response.status === 429 && response.headers['retry-after'] === undefined) {
    const wait = retryAfterMs(response.headers['x-ratelimit-period-in-sec']);
    if (wait !== undefined)
      throw new RateLimitedError(`Opsgenie answered 429 (throttled); retry after ${wait} ms`, wait);
  }
  raiseForStatus(response, 'Opsgenie Alert API', API_KEY);
}

/** Details as Opsgenie takes them: string values, 8000 characters in all; what does not fit is left out. */
function fitDetails(details: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let used = 0;
  for (const [key, value] of Object.entries(details)) {
    const room = LIMITS.details - used - key.length;
    if (room <= 0) break;
    const fitted = truncate(value, room);
    out[key] = fitted;
    used += key.length + fitted.length;
  }
  return out;
}
