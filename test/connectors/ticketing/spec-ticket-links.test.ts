import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProcessTicketLinks,
  RedisTicketLinks,
  SpecTicketLinks,
  type TicketLinks,
} from '../../../src/connectors/ticketing/links.js';
import { dropPrefix, testRedis, uniquePrefix } from '../../support/redis.js';

let redis: Redis;
const prefix = uniquePrefix('spec-ticket-links');

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await dropPrefix(prefix);
  redis.disconnect();
});

const jiraTicket = {
  key: 'PROJ-12',
  url: 'https://example.atlassian.net/browse/PROJ-12',
  status: 'To Do',
  title: 'FEAT-0001: Login',
};
const githubTicket = { key: 'acme/shop#34', url: 'https://github.com/acme/shop/issues/34', status: 'Open' };

describe("a spec's tickets across trackers", () => {
  it('reads every enabled tracker’s link for a spec in one MGET, in the trackers’ order, skipping those without one', async () => {
    const links = new RedisTicketLinks(redis, prefix);
    await links.set('github', { kind: 'spec', id: 'FEAT-0001' }, githubTicket);
    await links.set('jira', { kind: 'spec', id: 'FEAT-0001' }, jiraTicket);
    const spec = new SpecTicketLinks(redis, prefix, ['jira', 'linear', 'github']);
    expect(await spec.of('FEAT-0001')).toEqual([
      { system: 'jira', key: 'PROJ-12', url: jiraTicket.url },
      { system: 'github', key: 'acme/shop#34', url: githubTicket.url },
    ]);
    expect(await spec.of('FEAT-0404')).toEqual([]);
    // A tracker no longer enabled is not read, whatever it left in Redis.
    expect(await new SpecTicketLinks(redis, prefix, ['linear']).of('FEAT-0001')).toEqual([]);
  });

  it('hands each newly linked ticket to be told to one taker only, and takes back one put back', async () => {
    const spec = new SpecTicketLinks(redis, prefix, ['jira', 'github']);
    const [first, second] = await Promise.all([
      spec.takeUnannounced('FEAT-0001'),
      spec.takeUnannounced('FEAT-0001'),
    ]);
    const taken = [...first, ...second];
    expect(taken).toEqual([
      { system: 'jira', ticket: jiraTicket },
      { system: 'github', ticket: githubTicket },
    ]);
    expect(first.length === 0 || second.length === 0).toBe(true);
    expect(await new RedisTicketLinks(redis, prefix).takeUnannounced('jira', 'FEAT-0001')).toBeUndefined();

    await spec.setUnannounced('jira', 'FEAT-0001', jiraTicket);
    expect(await new RedisTicketLinks(redis, prefix).takeUnannounced('jira', 'FEAT-0001')).toEqual(
      jiraTicket,
    );
  });

  it('leaves nothing to tell for a ticket opened for one chat request', async () => {
    const links = new RedisTicketLinks(redis, prefix);
    await links.set('jira', { kind: 'request', id: 'req-1' }, { key: 'PROJ-13', status: 'To Do' });
    expect(await links.takeUnannounced('jira', 'req-1')).toBeUndefined();
  });
});

describe.each<[string, () => TicketLinks]>([
  ['in Redis', () => new RedisTicketLinks(redis, `${prefix}:each`)],
  ['in the process (notify --direct)', () => new ProcessTicketLinks()],
])('the ticket still to be told, %s', (_where, make) => {
  it('is set with the spec’s link and taken once', async () => {
    const links = make();
    await links.set('linear', { kind: 'spec', id: 'FEAT-0002' }, { key: 'ENG-5', status: 'Todo' });
    expect(await links.takeUnannounced('linear', 'FEAT-0002')).toMatchObject({
      key: 'ENG-5',
      status: 'Todo',
    });
    expect(await links.takeUnannounced('linear', 'FEAT-0002')).toBeUndefined();
  });
});
