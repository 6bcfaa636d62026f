import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscordApi, InteractionSender } from '../../fakes/discord-api.js';
import { specEvent, startTestApp, type TestApp } from '../../support/app.js';
import { testConfig } from '../../support/config.js';
import { dropPrefix, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';

describe('event notifications through a chat bot', () => {
  let fake: FakeDiscordApi;
  let app: TestApp;
  let channel: string;
  const prefix = uniquePrefix('threaded');

  beforeAll(async () => {
    fake = await FakeDiscordApi.start();
    channel = fake.addChannel();
    app = await startTestApp(
      testConfig(
        prefix,
        `
platforms:
  discord:
    enabled: true
    api_url: "${fake.apiUrl}"
    application_id: "290926444748734465"
    public_key: "${new InteractionSender().publicKeyHex}"
    bot_token: "${fake.botToken}"
integrations:
  discord:
    enabled: true
    channel_id: "${channel}"
    notify_on: [implementation_started, implementation_completed, implementation_failed]
`,
      ),
    );
  });

  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await dropPrefix(prefix);
  });

  it("keeps every event about one spec in that spec's thread, under a parent card showing its latest state", async () => {
    await app.post(specEvent('implementation_started', 'thr-1', { branch: 'spec/feat-0001' }));
    await waitFor(() => fake.threads.size === 1, { what: 'the FEAT-0001 thread' });
    await app.post(specEvent('implementation_completed', 'thr-2', { pr: { number: 42 } }));
    await app.post(
      specEvent('implementation_failed', 'thr-3', {
        spec: { id: 'FEAT-0002', title: 'Payments' },
        error: 'boom',
      }),
    );

    await waitFor(() => fake.messages(channel).length === 2 && fake.threads.size === 2, {
      what: 'two parent cards',
    });
    const [feat1, feat2] = fake.messages(channel);
    expect(JSON.stringify(feat1)).toContain('FEAT-0001');
    expect(JSON.stringify(feat2)).toContain('FEAT-0002');
    const feat1Thread = await waitFor(
      () => (fake.messages(feat1!.id).length === 2 ? fake.messages(feat1!.id) : undefined),
      { what: 'two replies in the FEAT-0001 thread' },
    );
    expect(JSON.stringify(feat1Thread[0])).toContain('Spec Implementation Started');
    expect(JSON.stringify(feat1Thread[1])).toContain('Spec Implementation Completed');
    // The parent was replaced in place with the latest state.
    await waitFor(() => fake.messages(channel)[0]!.edits >= 1, { what: 'the parent card updated' });
    expect(JSON.stringify(fake.messages(channel)[0])).toContain('Spec Implementation Completed');
  });
});
