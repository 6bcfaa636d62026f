import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InteractionSender } from '../fakes/discord-api.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { writeConfigFile } from '../support/child.js';
import { CHILD_START_MS, runCliChild, startCli } from '../support/cli-child.js';
import { EVENTS_SECRET } from '../support/config.js';
import { PrivateRedis } from '../support/private-redis.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { sign } from '../support/sign.js';
import { waitFor } from '../support/wait.js';

/**
 * Every entry point ends on its own, with a documented exit code and one clear line, whatever
 * Redis, the port or the platforms are doing. Each case runs the real CLI in a child process.
 */

/** Nothing listens here: connections are refused at once. */
const NO_REDIS = 'redis://127.0.0.1:1';
/** What the CLI may take beyond its own deadlines on a busy machine (start-up included). */
const SLACK_MS = 20_000;
const TEST_MS = 180_000;

/** Every prefix a config of this file used, deleted from the shared Redis once the file is done. */
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes.splice(0)) await dropPrefix(prefix);
});

function config(redisUrl: string, extra = '', shutdownMs = 3_000): string {
  const prefix = uniquePrefix('life');
  prefixes.push(prefix);
  return writeConfigFile(`
server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: ${shutdownMs} }
redis: { url: "${redisUrl}", prefix: "${prefix}" }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
${extra}
`);
}

const webhook = (url: string, timeoutMs = 10_000) => `
integrations:
  webhooks: { enabled: true, endpoints: [{ name: ci, url: "${url}/hook", events: [implementation_failed], timeout_ms: ${timeoutMs} }] }
`;

/** Holds every connection open and never answers: a platform API that hangs. */
async function silentServer(): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('threadline serve ends on its own', () => {
  it(
    'with Redis down from the start: SIGTERM shuts down within the deadline and exits 0',
    async () => {
      const child = startCli([
        'serve',
        '--config',
        config(NO_REDIS, webhook('http://127.0.0.1:9')),
        '--port',
        '0',
      ]);
      await child.waitForOutput(/listening on http/);
      const signalled = Date.now();
      child.process.kill('SIGTERM');
      expect(await child.exit(3_000 + SLACK_MS)).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(3_000 + SLACK_MS);
      expect(child.output()).toContain('shutdown complete');
    },
    TEST_MS,
  );

  it(
    'after losing Redis mid-run: SIGINT shuts down within the deadline and exits 0',
    async () => {
      const redis = await new PrivateRedis().start();
      try {
        const child = startCli([
          'serve',
          '--config',
          config(redis.url, webhook('http://127.0.0.1:9')),
          '--port',
          '0',
        ]);
        await child.waitForOutput(/"msg":"threadline started"/);
        await redis.kill();
        await child.waitForOutput(/Redis unreachable/);
        const signalled = Date.now();
        child.process.kill('SIGINT');
        expect(await child.exit(3_000 + SLACK_MS)).toBe(0);
        expect(Date.now() - signalled).toBeLessThan(3_000 + SLACK_MS);
        expect(child.output()).toContain('shutdown complete');
      } finally {
        await redis.kill();
      }
    },
    TEST_MS,
  );

  it(
    'a second signal during the shutdown exits at once with 128 + the signal number',
    async () => {
      const receiver = await new WebhookReceiver().start();
      receiver.respondWith({ status: 200, delayMs: 60_000 });
      try {
        // A delivery held by the receiver keeps the first shutdown waiting (deadline 60 s).
        const file = config(REDIS_URL, webhook(receiver.url, 90_000), 60_000);
        const child = startCli(['serve', '--config', file, '--port', '0']);
        await child.waitForOutput(/listening on (http:\S+)/);
        const url = /listening on (http:\S+)/.exec(child.output())![1]!;
        const body = JSON.stringify({
          id: uniquePrefix('held'),
          event: 'implementation_failed',
          spec: { id: 'FEAT-1', title: 'x' },
        });
        const answer = await fetch(`${url}/hooks/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature-256': sign(body, EVENTS_SECRET) },
          body,
        });
        expect(answer.status).toBe(202);
        await waitFor(() => receiver.requests.length === 1, {
          timeoutMs: SLACK_MS,
          what: 'the held delivery',
        });

        child.process.kill('SIGTERM');
        await child.waitForOutput(/signal received/);
        const again = Date.now();
        child.process.kill('SIGINT');
        expect(await child.exit(SLACK_MS)).toBe(130);
        expect(Date.now() - again).toBeLessThan(5_000);
        expect(child.stderr()).toContain(
          'threadline: SIGINT again, exiting without waiting for the shutdown',
        );
      } finally {
        await receiver.stop();
      }
    },
    TEST_MS,
  );

  it(
    'on a port that is in use: exits 3 with one line saying so',
    async () => {
      const taken = await silentServer();
      try {
        const result = await runCliChild(
          ['serve', '--config', config(REDIS_URL), '--port', String(taken.port)],
          {
            timeoutMs: CHILD_START_MS,
          },
        );
        expect(result.code).toBe(3);
        expect(result.stderr.trim()).toBe(`threadline: port ${taken.port} is in use (set --port or PORT)`);
        expect(result.stdout).not.toContain('listening on');
      } finally {
        await taken.close();
      }
    },
    TEST_MS,
  );
});

describe('the commands that need Redis exit 1 with a hint when it is unreachable', () => {
  it(
    'threadline dlq list, dlq replay --all and chat',
    async () => {
      const file = config(NO_REDIS);
      const commands = [
        ['dlq', 'list'],
        ['dlq', 'replay', '--all'],
        ['chat', '--command', 'status'],
      ];
      const results = await Promise.all(commands.map((args) => runCliChild([...args, '--config', file])));
      for (const result of results) {
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toMatch(
          /^threadline: Redis is unreachable \(Redis not reachable within 2000 ms\): start Redis or check REDIS_URL \/ redis\.url$/,
        );
        expect(result.stdout).toBe('');
      }
    },
    TEST_MS,
  );

  it(
    'threadline notify, which suggests --direct',
    async () => {
      const result = await runCliChild([
        'notify',
        '--config',
        config(NO_REDIS),
        '--event',
        'implementation_failed',
        '--spec',
        'test/fixtures/FEAT-0001.yaml',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('run again with --direct');
    },
    TEST_MS,
  );
});

describe('the other entry points exit on their own', () => {
  it(
    'threadline chat --command status answers and exits 0, every time',
    async () => {
      const file = config(REDIS_URL);
      const runs = await Promise.all(
        [1, 2, 3].map(() => runCliChild(['chat', '--config', file, '--command', 'status'])),
      );
      for (const run of runs) {
        expect(run.stderr).not.toContain('Connection is closed');
        expect(run).toMatchObject({ code: 0, stdout: '✔ ✅ All queues healthy\n  Nothing waiting.\n' });
      }
    },
    TEST_MS,
  );

  it(
    'threadline chat keeps its logs off stdout, where the cards are',
    async () => {
      const result = await runCliChild([
        'chat',
        '--config',
        config(REDIS_URL),
        '--as',
        'mallory',
        '--command',
        'page payments down',
      ]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('You are not allowed to run /ops page.');
      expect(result.stdout).not.toContain('"level"');
      expect(result.stderr).toContain('command refused: missing role');
    },
    TEST_MS,
  );

  it(
    'threadline validate exits 0 for a valid config and 2 for an invalid one',
    async () => {
      const [valid, invalid] = await Promise.all([
        runCliChild(['validate', '--config', config(NO_REDIS)]),
        runCliChild(['validate', '--config', writeConfigFile('server: { port: "many" }\n')]),
      ]);
      expect(valid.code).toBe(0);
      expect(valid.stdout).toContain('valid;');
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('server.port');
    },
    TEST_MS,
  );

  it(
    'threadline manifests writes the files and exits 0 without Redis',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'tl-manifests-'));
      const result = await runCliChild(['manifests', '--config', config(NO_REDIS), '--out', out]);
      expect(result.code).toBe(0);
      expect(readdirSync(out).length).toBeGreaterThan(0);
    },
    TEST_MS,
  );

  it(
    'threadline commands register exits 1 with the reason when Discord never answers',
    async () => {
      const discord = await silentServer();
      try {
        const file = config(
          NO_REDIS,
          `
platforms:
  discord:
    enabled: true
    api_url: "${discord.url}"
    application_id: "290926444748734465"
    public_key: "${new InteractionSender().publicKeyHex}"
    bot_token: "test-bot-token"
`,
        );
        const result = await runCliChild(
          ['commands', 'register', '--config', file, '--platform', 'discord'],
          {
            timeoutMs: 90_000,
          },
        );
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toMatch(/^could not register the commands: /);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        await discord.close();
      }
    },
    TEST_MS,
  );
});
