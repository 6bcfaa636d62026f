import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { describeEndpoint } from '../../src/config/redis.js';
import { ConfigError } from '../../src/core/errors.js';

function redisOf(block: string, env: Record<string, string> = {}) {
  return parseConfigText(`redis: ${block}\n`, env);
}

function problems(block: string): string {
  try {
    redisOf(block);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('the redis block', () => {
  it('defaults to one local Redis under the plain prefix', () => {
    const { redis } = parseConfigText('{}', {}).config;
    expect(redis.endpoint).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(redis.prefix).toBe('threadline');
  });

  it('takes a redis:// or rediss:// URL and keeps its password among the secrets to redact', () => {
    const loaded = redisOf('{ url: "rediss://:s3cret-pass-word@cache.internal:6380/2" }');
    expect(loaded.config.redis.endpoint).toEqual({
      mode: 'standalone',
      url: 'rediss://:s3cret-pass-word@cache.internal:6380/2',
      password: 's3cret-pass-word',
    });
    expect(loaded.secrets).toContain('s3cret-pass-word');
    expect(describeEndpoint(loaded.config.redis.endpoint)).toBe('rediss://cache.internal:6380/2');
  });

  it('takes a password key beside a URL without one, and lets the URL’s own password win', () => {
    expect(redisOf('{ url: "redis://cache:6379", password: "p@ss/w0rd:x" }').config.redis.endpoint).toEqual({
      mode: 'standalone',
      url: 'redis://cache:6379',
      password: 'p@ss/w0rd:x',
    });
    expect(
      redisOf('{ url: "redis+sentinel://:from-url-pass@s1/m", password: other-password }').config.redis
        .endpoint,
    ).toMatchObject({ mode: 'sentinel', password: 'from-url-pass' });
  });

  it('reads a redis+sentinel:// URL: sentinels, master name, database and password', () => {
    const loaded = redisOf(
      '{ url: "redis+sentinel://:m%40ster-password@10.0.0.1:26379,10.0.0.2,[::1]:26380/prod-master/3" }',
    );
    expect(loaded.config.redis.endpoint).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'prod-master',
      db: 3,
      tls: false,
      password: 'm@ster-password',
    });
    expect(loaded.secrets).toContain('m@ster-password');
    expect(describeEndpoint(loaded.config.redis.endpoint)).toBe(
      'Sentinel master "prod-master" via 10.0.0.1:26379,10.0.0.2:26379,[::1]:26380',
    );
  });

  it('reads a sentinels list with the master name, and the sentinels’ own password as a secret', () => {
    const loaded = redisOf(
      '{ sentinels: [{ host: s1, port: 26379 }, "s2:26380"], name: mymaster, password: master-password, sentinel_password: sentinel-password, db: 1 }',
    );
    expect(loaded.config.redis.endpoint).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      db: 1,
      tls: false,
      password: 'master-password',
      sentinel_password: 'sentinel-password',
    });
    expect(loaded.secrets).toEqual(expect.arrayContaining(['master-password', 'sentinel-password']));
  });

  it('reads a cluster node list and hash-tags the prefix so every key shares one slot', () => {
    const loaded = redisOf(
      '{ cluster: { nodes: ["10.0.0.1:7000", { host: 10.0.0.2, port: 7001 }] }, prefix: tl }',
    );
    expect(loaded.config.redis.endpoint).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(loaded.config.redis.prefix).toBe('{tl}');
  });

  it('keeps a prefix that already has a hash tag, on a Cluster and elsewhere', () => {
    expect(redisOf('{ cluster: { nodes: ["h:7000"] }, prefix: "{tl}:prod" }').config.redis.prefix).toBe(
      '{tl}:prod',
    );
    expect(redisOf('{ url: "redis://h:6379", prefix: "{tl}" }').config.redis.prefix).toBe('{tl}');
  });

  it('lets a file that lists sentinels or cluster nodes win over REDIS_URL from the environment', () => {
    const env = { REDIS_URL: 'redis://elsewhere:6379' };
    expect(redisOf('{ cluster: { nodes: ["h:7000"] } }', env).config.redis.endpoint.mode).toBe('cluster');
    expect(redisOf('{ sentinels: ["h:26379"], name: m }', env).config.redis.endpoint.mode).toBe('sentinel');
    expect(redisOf('{ prefix: x }', env).config.redis.endpoint).toEqual({
      mode: 'standalone',
      url: 'redis://elsewhere:6379',
    });
  });

  it('names the field and never echoes a password in its complaints', () => {
    expect(problems('{ url: "http://:hunter2-password@h:6379" }')).toMatch(
      /redis\.url: must be a redis:\/\//,
    );
    expect(problems('{ url: "http://:hunter2-password@h:6379" }')).not.toContain('hunter2');
    expect(problems('{ sentinels: ["h:26379"] }')).toMatch(/redis\.name: is required with sentinels/);
    expect(problems('{ url: "redis://h", cluster: { nodes: ["h:7000"] } }')).toMatch(
      /set only one of url, cluster/,
    );
    expect(problems('{ cluster: { nodes: ["no-port"] } }')).toMatch(
      /redis\.cluster\.nodes\[0\]: must be host:port/,
    );
    expect(problems('{ cluster: { nodes: ["h:7000"] }, db: 2 }')).toMatch(
      /redis\.db: must be 0 on a Redis Cluster/,
    );
    expect(problems('{ prefix: "a{b" }')).toMatch(/redis\.prefix: must hold one \{hash tag\}/);
    expect(problems('{ url: "redis+sentinel://h:26379" }')).toMatch(/redis\.url: must be/);
  });
});
