import { request } from 'undici';
import { FakePagerDuty, ROUTING_KEY } from '../fakes/pagerduty.js';
import { FakeSlack, type StoredMessage } from '../fakes/slack-api.js';
import { SIGNING_SECRET, shownText } from '../platforms/slack/support.js';
import { alertmanagerConfig } from './alertmanager.js';
import { startTestApp, type TestApp } from './app.js';
import { dropPrefix, uniquePrefix } from './redis.js';

export interface HookAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/**
 * An app with one alert source turned on (`inbound` is the YAML under `inbound:`), posting incident
 * cards to a Slack channel through the bot (a loopback Slack) and paging a loopback PagerDuty on
 * incident_triggered / incident_resolved, as an operator would wire an alert source.
 */
export class AlertSourceRig {
  readonly channel = 'C0ALERTS';

  private constructor(
    readonly app: TestApp,
    readonly slack: FakeSlack,
    readonly pagerduty: FakePagerDuty,
    readonly prefix: string,
  ) {}

  static async start(name: string, inbound: string): Promise<AlertSourceRig> {
    const prefix = uniquePrefix(name);
    const slack = await FakeSlack.start({ channels: ['C0ALERTS'] });
    const pagerduty = await FakePagerDuty.start();
    const app = await startTestApp(
      alertmanagerConfig(
        prefix,
        inbound,
        `platforms:
  slack:
    enabled: true
    api_url: "${slack.apiUrl}"
    bot_token: "${slack.token}"
    signing_secret: "${SIGNING_SECRET}"
integrations:
  slack:
    enabled: true
    channel: C0ALERTS
    notify_on: [incident_triggered, incident_resolved]
  pagerduty:
    enabled: true
    routing_key: ${ROUTING_KEY}
    events_url: "${pagerduty.eventsUrl}"
    alert_on: [incident_triggered, incident_resolved]
`,
      ),
    );
    return new AlertSourceRig(app, slack, pagerduty, prefix);
  }

  async post(path: string, body: string, headers: Record<string, string>): Promise<HookAnswer> {
    const response = await request(`${this.app.app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      json: JSON.parse(text) as Record<string, unknown>,
    };
  }

  /** PagerDuty Events API calls for one incident. */
  pages(incident: string, action: 'trigger' | 'resolve') {
    return this.pagerduty
      .events()
      .filter((e) => e.event_action === action && e.dedup_key === `threadline:incident:${incident}`);
  }

  /** The incident's card in the Slack channel: the thread parent that names it. */
  cards(incident: string): StoredMessage[] {
    return this.slack
      .history(this.channel)
      .filter((m) => !m.thread_ts && new RegExp(`\\b${incident}:`).test(shownText(m)));
  }

  /** Events the app has stored so far, from its own metrics. */
  async stored(): Promise<number> {
    return (await this.app.app.metrics.eventsReceived.get()).values.reduce((n, v) => n + v.value, 0);
  }

  async close(): Promise<void> {
    await this.app.close();
    await Promise.all([this.slack.close(), this.pagerduty.close()]);
    await dropPrefix(this.prefix);
  }
}
