import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { createHttpServer } from '../../src/http/server.js';
import { Metrics } from '../../src/observability/metrics.js';
import {
  PLATFORM_INBOUND_ROUTES,
  registerDisabledPlatformRoutes,
} from '../../src/platforms/disabled-routes.js';
import { INTERACTIONS_PATH } from '../../src/platforms/discord/module.js';
import { SLACK_EVENTS_PATH } from '../../src/platforms/slack/module.js';
import { MESSAGES_PATH } from '../../src/platforms/teams/adapter.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { capturingLogger } from '../support/logs.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';

async function post(url: string, contentType: string, body: string) {
  const response = await request(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('a chat platform that is off in the config', () => {
  const prefix = uniquePrefix('disabled');
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(testConfig(prefix, ''));
  });

  afterAll(async () => {
    await t.close();
    await dropPrefix(prefix);
  });

  it('answers a Slack request with 404 saying Slack is disabled and which key enables it', async () => {
    const response = await post(
      `${t.app.url}/slack/events`,
      'application/x-www-form-urlencoded',
      'command=%2Fops&text=help',
    );
    expect(response).toEqual({
      status: 404,
      json: {
        error: {
          code: 'platform_disabled',
          message:
            'Slack is disabled in this config: set platforms.slack.enabled: true (with its credentials) to receive POST /slack/events',
          platform: 'slack',
          enable_with: 'platforms.slack.enabled',
        },
      },
    });
  });

  it('does the same for Discord interactions and Teams activities', async () => {
    const discord = await post(`${t.app.url}/discord/interactions`, 'application/json', '{"type":1}');
    expect(discord).toMatchObject({
      status: 404,
      json: { error: { code: 'platform_disabled', enable_with: 'platforms.discord.enabled' } },
    });
    const teams = await post(`${t.app.url}/api/messages`, 'application/json', '{"type":"message"}');
    expect(teams).toMatchObject({
      status: 404,
      json: {
        error: {
          message:
            'Microsoft Teams is disabled in this config: set platforms.teams.enabled: true (with its credentials) to receive POST /api/messages',
        },
      },
    });
  });

  it('still answers an unknown path with the plain not-found error', async () => {
    const response = await post(`${t.app.url}/slack/event`, 'application/json', '{}');
    expect(response).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
  });

  it('names the same paths the platform modules serve', () => {
    expect(PLATFORM_INBOUND_ROUTES.map((r) => r.path)).toEqual([
      SLACK_EVENTS_PATH,
      INTERACTIONS_PATH,
      MESSAGES_PATH,
    ]);
  });
});

describe('Slack in Socket Mode', () => {
  it('answers POST /slack/events with 404 saying requests arrive over the socket', async () => {
    const loaded = parseConfigText(
      `
inbound: { events: { enabled: false } }
platforms: { slack: { enabled: true, socket_mode: true, bot_token: xoxb-test-token, app_token: xapp-test-token } }
`,
      {},
    );
    const server = createHttpServer({
      bodyLimit: 1024 * 1024,
      logger: capturingLogger(loaded).logger,
      metrics: new Metrics(),
      probes: { readiness: async () => ({ ready: true, checks: {} }) },
    });
    registerDisabledPlatformRoutes(server, loaded.config.platforms);
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = server.server.address() as { port: number };
      const slack = await post(`http://127.0.0.1:${address.port}/slack/events`, 'application/json', '{}');
      expect(slack).toMatchObject({
        status: 404,
        json: {
          error: {
            code: 'platform_socket_mode',
            message:
              'Slack uses Socket Mode in this config (platforms.slack.socket_mode: true): its requests arrive over the socket, not at POST /slack/events',
          },
        },
      });
      const discord = await post(
        `http://127.0.0.1:${address.port}/discord/interactions`,
        'application/json',
        '{}',
      );
      expect(discord).toMatchObject({ status: 404, json: { error: { code: 'platform_disabled' } } });
    } finally {
      await server.close();
    }
  });
});
