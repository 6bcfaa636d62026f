import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_PAT, BOT_IDENTITY_ID, FakeAzureDevOps, ORGANIZATION, PROJECT } from '../fakes/azure-devops.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { CHANNEL, postSlack, shownText, slackYaml, slashForm } from '../platforms/slack/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const HOOK_USER = 'azure-hook';
const HOOK_PASSWORD = 'azure-hook-password-0123456789';

let slack: FakeSlack;
let azure: FakeAzureDevOps;
let app: TestApp;
let prefix: string;

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  azure = await FakeAzureDevOps.start();
  prefix = uniquePrefix('azure-hook');
  app = await startTestApp(
    testConfig(
      prefix,
      `${slackYaml(slack)}
integrations:
  azure_devops:
    enabled: true
    base_url: "${azure.baseUrl}"
    organization: "${ORGANIZATION}"
    project: "${PROJECT}"
    pat: "${AZURE_PAT}"
    state_mappings: { done: "Closed" }
    webhook_username: "${HOOK_USER}"
    webhook_password: "\${AZURE_DEVOPS_WEBHOOK_PASSWORD}"
`,
      { AZURE_DEVOPS_WEBHOOK_PASSWORD: HOOK_PASSWORD },
    ),
  );
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await azure?.close();
  await dropPrefix(prefix);
});

async function hook(body: unknown, password = HOOK_PASSWORD) {
  const response = await request(`${app.app.url}/hooks/azure-devops`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${HOOK_USER}:${password}`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('POST /hooks/azure-devops', () => {
  it('shows a state change made in Boards on the ticket card in chat, and drops the change our own PAT made', async () => {
    await postSlack(
      app.app.url,
      slashForm('ticket create "Checkout returns 500" --system azure', { response_url: slack.responseUrl() }),
    );
    const parent = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('1201')),
    );
    expect(shownText(parent)).toContain('New');

    // Someone moves the work item in Boards: the card follows.
    const moved = await hook(azure.move(1201, 'Active'));
    expect(moved).toEqual({ status: 200, json: { updated: 1 } });
    const updated = slack.history(CHANNEL).find((m) => m.ts === parent.ts);
    expect(shownText(updated)).toContain('Active');
    const versions = updated?.versions.length;

    // Threadline's own change comes back as a service hook too; it is recognised and not applied again.
    const ours = await hook(azure.move(1201, 'Closed', BOT_IDENTITY_ID));
    expect(ours).toEqual({ status: 200, json: { ignored: 'our own change' } });
    expect(slack.history(CHANNEL).find((m) => m.ts === parent.ts)?.versions.length).toBe(versions);
    expect(azure.of('updateWorkItem')).toHaveLength(0);
  });

  it('refuses a call without the service hook’s basic auth', async () => {
    const response = await hook(azure.move(azure.seed('Forged').id, 'Closed'), 'wrong-password');
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.json)).toContain('webhook_password');
  });

  it('acknowledges events that are not state changes without acting on them', async () => {
    const response = await hook({ eventType: 'workitem.commented', resource: { id: 1 } });
    expect(response).toEqual({ status: 200, json: { ignored: 'not a state change' } });
  });

  it('answers a change to a work item Threadline cannot read with the reason, so Azure does not retry it', async () => {
    const body = azure.move(azure.seed('Soon deleted').id, 'Closed');
    azure.items.clear();
    const response = await hook(body);
    expect(response.status).toBe(200);
    expect(String(response.json.ignored)).toContain('TF401232');
  });

  it('shows a change once when Azure delivers it again, and a later change to the same work item again', async () => {
    const item = azure.seed('Retried delivery');
    const body = azure.move(item.id, 'Active');
    const first = await hook(body);
    expect(first.status).toBe(200);
    expect(first.json).toHaveProperty('updated');
    expect(await hook(body)).toEqual({ status: 200, json: { ignored: 'already shown' } });
    const next = await hook(azure.move(item.id, 'Resolved'));
    expect(next.json).toHaveProperty('updated');
  });
});
