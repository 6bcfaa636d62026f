import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundRoutesOn } from '../../src/config/inbound-routes.js';
import { alertmanagerConfig } from '../support/alertmanager.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';

const EVERY_ROUTE = [
  '/hooks/events',
  '/hooks/alertmanager',
  '/hooks/datadog',
  '/hooks/sentry',
  '/hooks/pagerduty',
  '/hooks/opsgenie',
  '/hooks/jira',
  '/hooks/github',
  '/hooks/linear',
  '/hooks/azure-devops',
];

/*
 * Destinations point at a closed loopback port: nothing here sends, the routes only have to exist.
 * GitHub Projects has its webhook secret but no token: it is idle, so its route is off too.
 */
const NOWHERE = 'http://127.0.0.1:9';
const prefix = uniquePrefix('inbound-routes');
const loaded = alertmanagerConfig(
  prefix,
  `  events: { secret: "routes-events-secret-0001" }
  alertmanager: { bearer_token: "routes-am-token-0001" }
  sentry: { client_secret: "routes-sentry-secret-0001" }
`,
  `integrations:
  pagerduty:
    enabled: true
    routing_key: R0ut1ngKeyF0rTheFakeServ1ce00001
    events_url: "${NOWHERE}/v2/enqueue"
    webhook: { secret: "routes-pd-secret-0001" }
  opsgenie:
    enabled: true
    api_key: "routes-opsgenie-key-0001"
    api_url: "${NOWHERE}"
  linear:
    enabled: true
    api_url: "${NOWHERE}/graphql"
    api_key: "lin_api_routes0001"
    team_id: "routes-team"
    webhook_secret: "routes-linear-secret-0001"
  github_projects:
    enabled: true
    project_number: 1
    webhook_secret: "routes-github-secret-0001"
`,
);

describe('the inbound routes validate lists', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(loaded);
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefix(prefix);
  });

  it('are the ones serve answers with their handler; every other hook route answers 404', async () => {
    const on = inboundRoutesOn(loaded.config);
    expect(on).toEqual([
      '/hooks/events',
      '/hooks/alertmanager',
      '/hooks/sentry',
      '/hooks/pagerduty',
      '/hooks/linear',
    ]);
    for (const path of EVERY_ROUTE) {
      const response = await request(`${app.app.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await response.body.text();
      // Unsigned: a route that is on refuses the request (401, or 400 for a missing header).
      if (on.includes(path)) expect([400, 401], path).toContain(response.statusCode);
      else expect(response.statusCode, path).toBe(404);
    }
  });
});
