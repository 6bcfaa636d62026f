import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET_ID, CLIENT_ID, CLIENT_SECRET, FakeGraph, PLAN_ID, TENANT } from '../fakes/ms-graph.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { CHANNEL, shownText, slackYaml } from '../platforms/slack/support.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

let slack: FakeSlack;
let graph: FakeGraph;
let app: TestApp;
let prefix: string;

function config() {
  return testConfig(
    prefix,
    `${slackYaml(slack)}
integrations:
  slack:
    enabled: true
    channel: "${CHANNEL}"
    notify_on: [spec_created]
  ms_project:
    enabled: true
    api_url: "${graph.apiUrl}"
    auth_url: "${graph.baseUrl}"
    tenant_id: "${TENANT}"
    client_id: "${CLIENT_ID}"
    client_secret: "${CLIENT_SECRET}"
    plan_id: "${PLAN_ID}"
    bucket_id: "${BUCKET_ID}"
    poll_interval: 1s
`,
  );
}

beforeAll(async () => {
  slack = await FakeSlack.start({ channels: [CHANNEL] });
  graph = await FakeGraph.start();
  prefix = uniquePrefix('planner-poll');
  app = await startTestApp(config());
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await graph?.close();
  await dropPrefix(prefix);
});

/** Waits until the plan has been listed `count` more times: polls that have certainly run. */
async function polls(count: number) {
  const from = graph.of('listTasks').length;
  await waitFor(() => graph.of('listTasks').length >= from + count, { what: `${count} polls` });
}

function told(threadTs: string): string[] {
  return slack
    .replies(CHANNEL, threadTs)
    .map((m) => shownText(m))
    .filter((text) => text.includes('in Microsoft Planner') && !text.includes(' opened in '));
}

describe('Microsoft Planner: progress changed in Planner reaches chat', () => {
  it("tells the spec's thread when its task's progress changes in Planner, never its own moves, and writes nothing back", async () => {
    await app.post(specEvent('spec_created', 'poll-1'));
    const thread = await waitFor(() =>
      slack.history(CHANNEL).find((m) => !m.thread_ts && shownText(m).includes('FEAT-0001')),
    );
    const task = await waitFor(() => [...graph.tasks.values()].find((t) => t.title.startsWith('FEAT-0001')));
    const redis = testRedis();
    await waitFor(async () => (await redis.get(`${prefix}:tickets:ms_project:spec-of:${task.id}`)) !== null);
    redis.disconnect();

    // Someone drags the task to half done in Planner.
    graph.edit(task.id, { percentComplete: 50 });
    const reply = await waitFor(() => told(thread.ts).find((t) => t.includes('moved to In progress (50%)')));
    expect(reply).toContain(task.id);

    // Threadline completes the task itself: the next polls see it and say nothing.
    await app.post(specEvent('implementation_completed', 'poll-2'));
    await waitFor(() => graph.task(task.id).percentComplete === 100, { what: 'our own move' });
    await polls(2);
    expect(told(thread.ts)).toHaveLength(1);
    // The only write to the task is the one our event made; polling only reads.
    expect(graph.of('patchTask')).toHaveLength(1);

    // A restarted process remembers what was seen: nothing is announced again.
    await app.close();
    app = await startTestApp(config());
    await polls(2);
    expect(told(thread.ts)).toHaveLength(1);
  });
});
