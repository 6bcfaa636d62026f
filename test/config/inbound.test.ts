import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { cli } from '../support/cli.js';

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tl-inbound-')), 'specs.config.yaml');
  writeFileSync(file, content);
  return file;
}

describe('POST /hooks/events in the config', () => {
  it('is off, and not an error, when the file has no inbound block', () => {
    const { config } = parseConfigText('integrations: {}', {});
    expect(config.inbound.events).toEqual({ enabled: false, secret: undefined });
  });

  it('is on as soon as a secret is set', () => {
    const { config } = parseConfigText('inbound: { events: { secret: "a-shared-secret" } }', {});
    expect(config.inbound.events).toEqual({ enabled: true, secret: ['a-shared-secret'] });
  });

  it('stays off with a secret when the file turns it off', () => {
    const text = 'inbound: { events: { enabled: false, secret: "a-shared-secret" } }';
    expect(parseConfigText(text, {}).config.inbound.events.enabled).toBe(false);
  });

  it('says in the validate summary that the route is off and how to turn it on', async () => {
    const file = configFile('integrations: {}\n');
    const result = await cli(['validate', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      `${file}: valid; enabled integrations: none\nPOST /hooks/events is off: no inbound.events.secret is set (set a shared HMAC secret there to turn it on)`,
    );
  });

  it('says so too when the file turns the route off', async () => {
    const file = configFile('inbound: { events: { enabled: false, secret: "a-shared-secret" } }\n');
    const result = await cli(['validate', '--config', file]);
    expect(result.out.split('\n')[1]).toBe('POST /hooks/events is off (inbound.events.enabled: false)');
  });

  it('prints no note when the route is on', async () => {
    const file = configFile('inbound: { events: { secret: "a-shared-secret" } }\n');
    expect((await cli(['validate', '--config', file])).out).toBe(
      `${file}: valid; enabled integrations: none`,
    );
  });
});
