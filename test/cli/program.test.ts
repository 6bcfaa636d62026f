import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../support/child.js';
import { cli } from '../support/cli.js';

const VALID = 'inbound: { events: { secret: "program-test-secret" } }\n';

/** The real CLI in a child process started in `cwd`, so ./specs.config.yaml means that folder. */
function threadlineIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  const loader = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
  const { THREADLINE_CONFIG: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['--import', loader, resolve('src/cli/bin.ts'), ...args], {
    cwd,
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout.trim(), err: result.stderr.trim() };
}

describe('threadline --version', () => {
  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: version });
  });
});

describe('the config file when --config is not given', () => {
  it('is ./specs.config.yaml in the current folder', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tl-cwd-')));
    copyFileSync(writeConfigFile(VALID), join(dir, 'specs.config.yaml'));
    const result = threadlineIn(dir, ['validate']);
    expect(result).toMatchObject({ code: 0, out: './specs.config.yaml: valid; enabled integrations: none' });
  }, 70_000);

  it('says which file it looked for when there is none, and exits 2', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tl-cwd-')));
    const result = threadlineIn(dir, ['notify', '--event', 'spec_created', '--spec', 'x.yaml']);
    expect(result).toMatchObject({
      code: 2,
      err: `no config file: looked for ${join(dir, 'specs.config.yaml')} (pass --config FILE or set THREADLINE_CONFIG)`,
    });
  }, 70_000);

  it('is $THREADLINE_CONFIG when that is set', async () => {
    const file = writeConfigFile(VALID);
    expect(await cli(['validate'], { THREADLINE_CONFIG: file })).toMatchObject({
      code: 0,
      out: `${file}: valid; enabled integrations: none`,
    });
  });

  it('names THREADLINE_CONFIG when the file it points at does not exist', async () => {
    const result = await cli(['dlq', 'list'], { THREADLINE_CONFIG: '/nonexistent/threadline.yaml' });
    expect(result).toMatchObject({
      code: 2,
      err: 'no config file at /nonexistent/threadline.yaml (named by THREADLINE_CONFIG): fix THREADLINE_CONFIG or pass --config FILE',
    });
  });

  it('gives way to an explicit --config, which wins over THREADLINE_CONFIG', async () => {
    const file = writeConfigFile(VALID);
    const result = await cli(['validate', '--config', file], {
      THREADLINE_CONFIG: '/nonexistent/threadline.yaml',
    });
    expect(result).toMatchObject({ code: 0, out: `${file}: valid; enabled integrations: none` });
  });

  it('is named in every command help that takes --config', async () => {
    const help = await cli(['manifests', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain(
      '(default: $THREADLINE_CONFIG, else ./specs.config.yaml)',
    );
    const named = await cli(['serve', '--help'], { THREADLINE_CONFIG: '/etc/threadline.yaml' });
    expect(named.out.replace(/\s+/g, ' ')).toContain(
      '(default: /etc/threadline.yaml, from $THREADLINE_CONFIG)',
    );
  });
});
