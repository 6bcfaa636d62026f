import { readFileSync } from 'node:fs';
import type { LoadedConfig } from '../../../src/config/load.js';
import type { FakeBotFramework } from '../../fakes/bot-framework.js';
import { testConfig } from '../../support/config.js';

export const APP_ID = '3f1a9c7e-5b2d-4e8f-a6c0-9d8e7f6a5b4c';
export const APP_PASSWORD = 'teams-app-password-0123456789';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CHANNEL = '19:b7a2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2';

/** An inbound activity as the Bot Framework sends it (fields the tests set are typed). */
export type Activity = Record<string, unknown> & {
  id: string;
  serviceUrl: string;
  conversation: { id: string; conversationType?: string; tenantId?: string };
  from: { id: string; name: string; aadObjectId: string };
  value?: unknown;
};

/** A documented activity from test/fixtures/teams, as a fresh mutable copy. */
export function activityFixture(name: string): Activity {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/teams/${name}.json`, import.meta.url), 'utf8'),
  ) as Activity;
}

/**
 * A test config with Teams on against the fake: the app id and password, and the
 * platforms.teams keys that point botbuilder and the token client at the fake. `extra` is YAML
 * appended at the top level (an `rbac:` block).
 */
export function teamsConfig(
  prefix: string,
  fake: FakeBotFramework,
  options: { appPassword?: string; extra?: string } = {},
): LoadedConfig {
  const loaded = testConfig(
    prefix,
    `
platforms:
  teams: { enabled: true, app_id: "${APP_ID}", app_password: "${options.appPassword ?? APP_PASSWORD}" }
${options.extra ?? ''}
`,
  );
  const { config } = loaded;
  const endpoints = { openid_metadata_url: fake.openIdMetadataUrl, login_url: fake.loginUrl };
  return {
    ...loaded,
    config: {
      ...config,
      platforms: { ...config.platforms, teams: { ...config.platforms.teams!, ...endpoints } },
    },
  };
}
