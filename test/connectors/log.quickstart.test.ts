import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer, writeConfigFile } from '../support/child.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { sign } from '../support/sign.js';
import { waitFor } from '../support/wait.js';

/** The README's "Send a signed event", byte for byte. */
const README_BODY =
  '{"event":"implementation_failed","spec":{"id":"FEAT-0001","title":"User Authentication"}}';
const README_SECRET = 'local-development-secret';

describe('the quick start', () => {
  let cleanUp: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanUp.reverse()) await step();
    cleanUp = [];
  });

  it("shows the README's signed event delivered, as one line on stderr and not on stdout", async () => {
    // The example config as shipped, only with a key prefix of its own so it shares Redis safely.
    const prefix = uniquePrefix('quickstart');
    const example = readFileSync('examples/specs.config.yaml', 'utf8');
    expect(example).toContain('prefix: "threadline"');
    const file = writeConfigFile(example.replace('prefix: "threadline"', `prefix: "${prefix}"`));
    cleanUp.push(() => dropPrefix(prefix));

    const child: ChildServer = await startChildServer(file, [], {
      REDIS_URL,
      // Empty counts as unset, so the example's default secret applies, as in the README.
      THREADLINE_EVENTS_SECRET: '',
      LOG_ENABLED: '',
    });
    cleanUp.push(async () => {
      child.process.kill('SIGTERM');
      await child.exited;
    });
    let stdout = '';
    let stderr = '';
    child.process.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.process.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const response = await request(`${child.url}/hooks/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-256': sign(README_BODY, README_SECRET) },
      body: README_BODY,
    });
    expect(response.statusCode).toBe(202);
    const { id } = (await response.body.json()) as { id: string };

    const line = await waitFor(() => stderr.split('\n').find((l) => l.includes(`delivery ${id}.log`)), {
      what: 'the notification line on stderr',
    });
    expect(line.replace(/^\S+ /, '')).toBe(
      `notification ❌ Spec Implementation Failed · ID: FEAT-0001 · Title: User Authentication · delivery ${id}.log`,
    );
    await waitFor(() => stdout.includes(`event accepted: implementation_failed ${id} → log`), {
      what: 'the acceptance log line naming the log destination',
    });
    expect(stdout).not.toContain('notification ❌');
  });
});
