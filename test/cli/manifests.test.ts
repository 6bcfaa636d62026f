import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../support/child.js';
import { cli } from '../support/cli.js';

const BASE = 'inbound: { events: { enabled: false } }\n';

describe('threadline manifests', () => {
  it('warns on stderr, one line per key, when the manifests would carry placeholders', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tl-manifests-'));
    const result = await cli(['manifests', '--config', writeConfigFile(BASE), '--out', out]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`wrote ${join(out, 'teams/manifest.json')}`);
    expect(result.err.split('\n')).toEqual([
      'warning: server.public_url is not set: the manifests point at https://threadline.example.com; set it to the https address Slack and Teams reach this server at',
      "warning: platforms.teams.app_id is not set: the Teams manifest carries the placeholder app id 00000000-0000-0000-0000-000000000000; set it to the bot's Microsoft app id",
    ]);
  });

  it('writes the manifests without a warning once the public URL and the Teams app id are set', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tl-manifests-'));
    const config = writeConfigFile(
      `${BASE}server: { public_url: "https://ops.example.org" }\nplatforms: { teams: { app_id: "5f0c2b1e-9a8d-4c7b-8e6f-1a2b3c4d5e6f" } }\n`,
    );
    const result = await cli(['manifests', '--config', config, '--out', out]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(readdirSync(out).sort()).toEqual(['discord', 'slack', 'teams']);
  });
});
