import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { FakeDiscordApi, InteractionSender, interactionFixture } from '../../fakes/discord-api.js';
import { startTestApp } from '../../support/app.js';
import { PrivateRedis } from '../../support/private-redis.js';
import { waitFor } from '../../support/wait.js';

const APPLICATION_ID = '290926444748734465';

function config(redisUrl: string, fake: FakeDiscordApi, sender: InteractionSender, commandTimeoutMs: number) {
  return parseConfigText(
    `
redis: { url: "${redisUrl}", prefix: "discord-stall", command_timeout_ms: ${commandTimeoutMs} }
security: { allow_private_networks: true }
inbound: { events: { enabled: false } }
server: { host: 127.0.0.1, port: 0 }
platforms:
  discord:
    enabled: true
    api_url: "${fake.apiUrl}"
    application_id: "${APPLICATION_ID}"
    public_key: "${sender.publicKeyHex}"
    bot_token: "${fake.botToken}"
`,
    {},
  );
}

function help(fake: FakeDiscordApi) {
  const payload = interactionFixture('command-help');
  payload.id = fake.snowflake();
  payload.token = `token-${randomBytes(12).toString('hex')}`;
  return payload;
}

describe('Discord answers inside its 3 s window even when Redis does not', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function setup(commandTimeoutMs: number) {
    const redis = await new PrivateRedis().start();
    cleanup.push(() => redis.kill());
    const fake = await FakeDiscordApi.start();
    cleanup.push(() => fake.close());
    const sender = new InteractionSender();
    const app = await startTestApp(config(redis.url, fake, sender, commandTimeoutMs), 'ingress');
    cleanup.push(() => app.close());
    cleanup.push(async () => redis.resume());
    return { redis, fake, sender, endpoint: `${app.app.url}/discord/interactions` };
  }

  it('defers (type 5, ephemeral) when Redis stalls, then edits the original answer once it is back', async () => {
    const { redis, fake, sender, endpoint } = await setup(20_000);
    redis.pause();
    const payload = help(fake);
    const started = Date.now();
    const { status, json } = await sender.send(endpoint, payload);
    const elapsed = Date.now() - started;
    expect(status).toBe(200);
    expect(json).toEqual({ type: 5, data: { flags: 64, allowed_mentions: { parse: [] } } });
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(3_000);

    redis.resume();
    const edit = await waitFor(() => fake.originalEdits.find((e) => e.token === payload.token), {
      what: 'the edited original answer',
    });
    expect(edit.body.embeds?.[0]?.title).toBe('/ops commands');
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    const request = fake.find('PATCH', new RegExp(`^/webhooks/${APPLICATION_ID}/[^/]+/messages/@original$`));
    expect(request).toHaveLength(1);
  });

  it('tells the user at once, privately, when Redis refuses the request', async () => {
    const { redis, fake, sender, endpoint } = await setup(300);
    redis.pause();
    const started = Date.now();
    const { json } = await sender.send(endpoint, help(fake));
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(json.type).toBe(4);
    expect(json.data?.flags).toBe(64);
    expect(json.data?.embeds?.[0]?.description).toMatch(
      /could not take this request right now; nothing was started/,
    );
  });
});
