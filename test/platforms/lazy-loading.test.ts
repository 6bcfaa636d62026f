import { describe, expect, it } from 'vitest';
import { CHILD_START_MS } from '../support/cli-child.js';
import { heavyPackagesLoadedByServe } from './lazy-loading/loaded-packages.js';

/**
 * A platform or connector switched off costs nothing: its library is never imported. Each case
 * runs the real `threadline serve` in a child process that records every package it loads.
 */

const TEST_MS = CHILD_START_MS + 30_000;
const SLACK_PLATFORM = `
platforms:
  slack: { enabled: true, api_url: "http://127.0.0.1:9/api/", bot_token: xoxb-lazy-test, signing_secret: "8f742231b10e8888abcd99yyyzzz85a5-test" }
`;

describe('threadline serve loads only what the config turns on', () => {
  it(
    'loads no chat SDK and no nodemailer with every platform and heavy connector off',
    async () => {
      const webhookOnly = `
integrations:
  webhooks: { enabled: true, endpoints: [{ name: ci, url: "http://127.0.0.1:9/hook", events: [implementation_failed] }] }
`;
      expect(await heavyPackagesLoadedByServe(webhookOnly)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'loads Bolt and the Slack Web API with the Slack platform on, and no other platform’s SDK',
    async () => {
      expect(await heavyPackagesLoadedByServe(SLACK_PLATFORM)).toEqual(['@slack/bolt', '@slack/web-api']);
    },
    TEST_MS,
  );

  it(
    'loads only the Slack Web API for Slack notifications through the incoming webhook',
    async () => {
      const slackWebhook = `
integrations:
  slack: { enabled: true, webhook_url: "https://hooks.slack.com/services/T0/B0/lazy-loading-0123456789" }
`;
      expect(await heavyPackagesLoadedByServe(slackWebhook)).toEqual(['@slack/web-api']);
    },
    TEST_MS,
  );

  it(
    'loads nodemailer only with the email integration on',
    async () => {
      const email = `
integrations:
  email: { enabled: true, smtp: { host: 127.0.0.1, port: 9, secure: false }, from: "specs@example.com", recipients: { implementation_failed: ["oncall@example.com"] } }
`;
      expect(await heavyPackagesLoadedByServe(email)).toEqual(['nodemailer']);
    },
    TEST_MS,
  );

  it(
    'loads jira.js only with the Jira integration on',
    async () => {
      const jira = `
integrations:
  jira: { enabled: true, base_url: "http://127.0.0.1:9", email: "bot@example.com", api_token: "lazy-loading-token", project_key: PROJ }
`;
      expect(await heavyPackagesLoadedByServe(jira)).toEqual(['jira.js']);
    },
    TEST_MS,
  );

  it(
    'loads no calendar library at start with an ICS on-call feed, a policy and the published calendar on',
    async () => {
      const oncall = `
oncall:
  schedules: { primary: { ics: { url: "http://127.0.0.1:9/oncall.ics" } } }
  calendar: { enabled: true, token: lazy-loading-calendar-token }
escalations:
  default_policy: main
  policies: { main: { steps: [{ wait: 5m, notify: ["oncall:primary"] }] } }
`;
      expect(await heavyPackagesLoadedByServe(oncall)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'loads Octokit only with GitHub Projects on, and @octokit/webhooks only with its webhook secret set',
    async () => {
      const github = (extra: string) => `
integrations:
  github_projects: { enabled: true, api_url: "http://127.0.0.1:9", token: "lazy-loading-token", repository: "acme/specs", project_number: 1${extra} }
`;
      expect(await heavyPackagesLoadedByServe(github(''))).toEqual(['@octokit/rest']);
      expect(await heavyPackagesLoadedByServe(github(', webhook_secret: "lazy-loading-secret"'))).toEqual([
        '@octokit/rest',
        '@octokit/webhooks',
      ]);
    },
    2 * TEST_MS,
  );
});
