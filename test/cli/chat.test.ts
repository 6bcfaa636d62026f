import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeConfigFile } from '../support/child.js';
import { cli } from '../support/cli.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';

describe('threadline chat --command, as a scripting tool', () => {
  const prefix = uniquePrefix('chatcli');
  const file = writeConfigFile(`
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
inbound: { events: { enabled: false } }
rbac: { roles: { responder: ["console:alice"] } }
`);
  const logFile = join(file, '..', 'chat.log');
  const chat = (user: string, ...lines: string[]) =>
    cli(['chat', '--config', file, '--as', user, '--log-file', logFile, '--command', ...lines]);

  afterAll(() => dropPrefix(prefix));

  it('accepts the text a user types in Slack, with the leading /ops', async () => {
    const result = await chat('alice', '/ops help');
    expect(result.code).toBe(0);
    expect(result.out).toContain('/ops page <service> <summary>');
    expect(result.out).not.toContain('Unknown command');
  });

  it('exits 2 for an unknown command and 1 for a refused one, so scripts can rely on it', async () => {
    expect(await chat('alice', 'frobnicate now')).toMatchObject({ code: 2 });
    expect(await chat('alice', 'page')).toMatchObject({ code: 2 });
    const refused = await chat('mallory', 'page payments "checkout 500s"');
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('You are not allowed to run /ops page.');
    const failed = await chat('alice', 'status INC-999');
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('There is no incident INC-999.');
  });

  it('exits with the code of the first line that did not succeed', async () => {
    expect(await chat('alice', 'help', 'frobnicate', 'page')).toMatchObject({ code: 2 });
    expect(await chat('alice', 'help', 'status')).toMatchObject({ code: 0 });
  });

  it('numbers every message once, so a later session never reuses a number', async () => {
    const paged = await chat('alice', 'page payments "checkout 500s"');
    expect(paged.code).toBe(0);
    const [, card] = /\[#(\d+)\]\n✘ 🚨 (INC-\d+)/.exec(paged.out)!;
    const incident = /INC-\d+/.exec(paged.out)![0];
    const reply = Number(/\[#(\d+) ↳ in thread #\d+\]/.exec(paged.out)![1]);

    const acked = await chat('alice', `!incident.ack ${incident}`);
    expect(acked.code).toBe(0);
    expect(acked.out).toContain(`[#${card} updated]`);
    const ackReply = Number(new RegExp(`\\[#(\\d+) ↳ in thread #${card}\\]`).exec(acked.out)![1]);
    expect(ackReply).toBeGreaterThan(reply);
  });
});
